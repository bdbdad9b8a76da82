// The periodic purge against the real MariaDB: outbox messages that are done (sent, failed or
// expired) go once their lease ended longer than the retention ago, in chunks; pending messages and
// recent ones stay; a retention of 0 keeps everything.

#include "test_server.hpp"

#include "moonkey/core/database_url.hpp"
#include "moonkey/domain/periodic_purge.hpp"
#include "moonkey/store/mysql/connection.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

using namespace moonkey;
using namespace moonkey::test;

namespace {

constexpr std::int64_t day = 86400;

struct fixture {
    std::int64_t const now = system_unix_clock()();
    app_keys keys = create_test_app("Outbox purge");
    std::string const prefix = keys.app_id.substr(keys.app_id.size() - 16) + "_";  // ids of this test's rows
    mysql::worker_pool pool{
        {parse_database_url(test_database_url()).value(), 1, std::chrono::seconds(10), 16}};
    mysql::mysql_repository repo{pool};
    io_thread loop;

    ~fixture() {
        pool.stop();
        // Gone, so that no later test's lease recovery meets the old pending one.
        sql("DELETE FROM outbox WHERE app_id = '" + keys.app_id + "'");
    }

    static void sql(std::string const& statement) {
        mysql::connection conn(parse_database_url(test_database_url()).value(), std::chrono::seconds(10));
        conn.execute(statement);
    }

    // Adds a message of the app in `state` whose lease ended at `lease_until`.
    void add_message(std::string const& id, std::string const& state, std::int64_t lease_until) {
        sql("INSERT INTO outbox (id, app_id, environment, channel, destination, sealed_code, expires_at,"
            " state, lease_until, created_at) VALUES ('"
            + id + "', '" + keys.app_id + "', 'test', 'sms', '+14155550100', X'00', "
            + std::to_string(lease_until + 600) + ", '" + state + "', " + std::to_string(lease_until) + ", "
            + std::to_string(lease_until - 30) + ")");
    }

    // Returns the ids of the app's messages left, in order.
    std::string messages_left() {
        return query_value("SELECT GROUP_CONCAT(id ORDER BY id) FROM outbox WHERE app_id = '" + keys.app_id
                           + "'");
    }

    // Runs one purge round as a core would at `now`; returns how many rows it deleted.
    std::size_t purge_once(periodic_purge::options opts) {
        periodic_purge purge(
            loop.io.get_executor(), repo, [this] { return now; }, opts);
        return boost::asio::co_spawn(loop.io, purge.purge_once(), boost::asio::use_future).get();
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(outbox_purge, fixture)

BOOST_AUTO_TEST_CASE(done_messages_past_the_retention_go_in_chunks) {
    add_message(prefix + "a_sent_old", "sent", now - day - 1);
    add_message(prefix + "b_failed_old", "failed", now - 3 * day);
    add_message(prefix + "c_expired_old", "expired", now - 2 * day);
    add_message(prefix + "d_pending_old", "pending", now - 3 * day);  // not done: recovery's
    add_message(prefix + "e_sent_recent", "sent", now - day + 60);

    // In chunks of 2, the three old done messages need a second DELETE: the round goes on while a
    // chunk comes back full. (The count also holds stale limit counters of earlier tests.)
    auto purged = purge_once({std::chrono::seconds(60), 2, std::chrono::seconds(day)});
    BOOST_TEST(purged >= 3u);
    BOOST_TEST(messages_left() == prefix + "d_pending_old," + prefix + "e_sent_recent");
}

BOOST_AUTO_TEST_CASE(a_retention_of_zero_keeps_every_message) {
    add_message(prefix + "sent_old", "sent", now - 30 * day);
    purge_once({std::chrono::seconds(60), 1000, std::chrono::seconds(0)});
    BOOST_TEST(messages_left() == prefix + "sent_old");
}

BOOST_AUTO_TEST_SUITE_END()
