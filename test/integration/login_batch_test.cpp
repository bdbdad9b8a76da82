// login_or_create in batches, through the repository and its worker pools on the real MariaDB: requests
// that wait together run in one transaction with one commit, each keeps its own outcome, and one
// failing request does not fail the others. Also the pool's admission control.

#include "test_server.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/domain/abuse_limits.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <set>
#include <thread>

using namespace moonkey;
using namespace moonkey::test;
namespace asio = boost::asio;

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

crypto::digest digest_of(std::string const& code, std::string_view method_id) {
    return crypto::sha256(code + "|" + std::string(method_id));
}

// A repository whose batch pool has one worker, and an io_context on its own thread to run calls.
struct fixture {
    database_url url = parse_database_url(test_database_url()).value();
    mysql::worker_pool pool{{url, 2, std::chrono::seconds(10), 64}};
    mysql::worker_pool batch_pool{{url, 1, std::chrono::seconds(10), 64, std::chrono::milliseconds(5000), 32}};
    mysql::mysql_repository repo{pool, batch_pool};
    app_keys keys = create_test_app("Batches", app_limits::off);
    io_thread loop;  // last: it stops (and finishes the calls in flight) before the pools do

    login_request request(std::string const& phone, std::string const& code) {
        auto now = unix_now();
        login_request r;
        r.owner = {keys.app_id, environment::test};
        r.via = channel::sms;
        r.destination = phone;
        r.new_user_id = new_id("user_", now);
        r.new_method_id = new_id("pn_", now);
        r.code_digest = [code](std::string_view method_id) { return digest_of(code, method_id); };
        r.now = now;
        r.expires_at = now + 600;
        r.message_id = new_id("msg_", now);
        r.sealed_code = "sealed-" + code;
        r.locale = "en";
        r.lease_until = now + 30;
        return r;
    }

    // Occupies the batch pool's only worker for `seconds`, so that the requests submitted meanwhile
    // wait together and are taken as one batch.
    std::future<outcome<void>> block_batch_worker(double seconds) { return loop.hold(batch_pool, seconds); }

    std::vector<outcome<login_result>> run_together(std::vector<login_request> requests) {
        auto blocked = block_batch_worker(0.3);
        std::vector<std::future<outcome<login_result>>> pending;
        for (auto& r : requests) pending.push_back(asio::co_spawn(loop.io, repo.login_or_create(std::move(r)), asio::use_future));
        BOOST_TEST_REQUIRE(blocked.get().has_value());
        std::vector<outcome<login_result>> results;
        for (auto& p : pending) results.push_back(p.get());
        return results;
    }

    std::string count(std::string const& table, std::string const& where) {
        return query_value("SELECT COUNT(*) FROM " + table + " WHERE app_id = '" + keys.app_id + "' AND " + where);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(login_batches, fixture)

BOOST_AUTO_TEST_CASE(requests_that_wait_together_share_one_transaction) {
    std::vector<std::string> phones;
    for (int i = 0; i < 9; ++i) phones.push_back(unique_phone());
    std::vector<login_request> requests;
    for (int i = 0; i < 9; ++i) requests.push_back(request(phones[i], "code" + std::to_string(i)));
    requests.push_back(request(phones[3], "again"));  // the same number as request 3, later

    auto results = run_together(std::move(requests));
    auto stats = batch_pool.batches();
    BOOST_TEST(stats.batches == 1u);
    BOOST_TEST(stats.jobs == 10u);
    BOOST_TEST(stats.run_alone == 0u);

    std::set<std::string> users;
    for (int i = 0; i < 9; ++i) {
        BOOST_TEST_REQUIRE(results[i].has_value(), "request " << i << ": " << results[i].error().message);
        BOOST_TEST(results[i]->user_created);
        BOOST_TEST(results[i]->active);
        users.insert(results[i]->user_id);
    }
    BOOST_TEST(users.size() == 9u);
    // The later request for the same number found the user the earlier one created, in the same batch.
    BOOST_TEST_REQUIRE(results[9].has_value());
    BOOST_TEST(!results[9]->user_created);
    BOOST_TEST(results[9]->user_id == results[3]->user_id);
    BOOST_TEST(results[9]->method_id == results[3]->method_id);

    BOOST_TEST(count("users", "1") == "9");
    BOOST_TEST(count("phone_numbers", "1") == "9");
    BOOST_TEST(count("outbox", "1") == "10");
    // Its code replaced the earlier one: the later request ran later.
    auto stored = query_value("SELECT LOWER(HEX(code_digest)) FROM otps WHERE method_id = '" + results[3]->method_id + "'");
    BOOST_TEST(stored == mysql::hex(digest_of("again", results[3]->method_id)));
}

BOOST_AUTO_TEST_CASE(a_refused_or_unknown_request_fails_alone_and_writes_nothing) {
    auto limited = unique_phone();
    auto unknown = unique_phone();
    auto fine = unique_phone();
    limit_settings settings;
    settings.destination = {{1, 30}};
    auto now = unix_now();
    auto with_limits = [&](login_request r) {
        r.limits = plan_send_limits(settings, {r.owner, channel::sms, r.destination, "", false}, now);
        return r;
    };
    auto first = asio::co_spawn(loop.io, repo.login_or_create(with_limits(request(limited, "first"))), asio::use_future).get();
    BOOST_TEST_REQUIRE(first.has_value());

    std::vector<login_request> requests;
    requests.push_back(with_limits(request(limited, "second")));  // 1 per 30 s: refused
    auto send_only = request(unknown, "nobody");
    send_only.create_if_missing = false;
    requests.push_back(std::move(send_only));
    requests.push_back(with_limits(request(fine, "fine")));
    auto results = run_together(std::move(requests));
    BOOST_TEST(batch_pool.batches().batches == 2u);  // the first alone, then the three together

    BOOST_TEST_REQUIRE(!results[0].has_value());
    BOOST_TEST((results[0].error().code == errc::too_many_requests));
    BOOST_TEST(results[0].error().retry_after >= 29);
    BOOST_TEST_REQUIRE(!results[1].has_value());
    BOOST_TEST((results[1].error().code == errc::phone_number_not_found));
    BOOST_TEST_REQUIRE(results[2].has_value(), results[2].error().message);
    BOOST_TEST(results[2]->user_created);

    BOOST_TEST(count("outbox", "destination = '" + limited + "'") == "1");
    BOOST_TEST(count("phone_numbers", "phone_number = '" + unknown + "'") == "0");
    BOOST_TEST(count("outbox", "destination = '" + unknown + "'") == "0");
    BOOST_TEST(count("outbox", "destination = '" + fine + "'") == "1");
    auto stored = query_value("SELECT LOWER(HEX(o.code_digest)) FROM otps o WHERE o.method_id = '" + first->method_id + "'");
    BOOST_TEST(stored == mysql::hex(digest_of("first", first->method_id)));  // the refused code stored nothing
}

BOOST_AUTO_TEST_CASE(a_batch_whose_statement_fails_runs_again_request_by_request) {
    auto taken = asio::co_spawn(loop.io, repo.login_or_create(request(unique_phone(), "taken")), asio::use_future).get();
    BOOST_TEST_REQUIRE(taken.has_value());

    std::vector<login_request> requests;
    requests.push_back(request(unique_phone(), "a"));
    auto clash = request(unique_phone(), "clash");
    clash.new_user_id = taken->user_id;  // a user id that exists: its INSERT fails, and with it the batch's
    requests.push_back(std::move(clash));
    requests.push_back(request(unique_phone(), "b"));
    auto results = run_together(std::move(requests));

    BOOST_TEST(batch_pool.batches().run_alone == 1u);
    BOOST_TEST_REQUIRE(results[0].has_value(), results[0].error().message);
    BOOST_TEST_REQUIRE(!results[1].has_value());
    BOOST_TEST_REQUIRE(results[2].has_value(), results[2].error().message);
    BOOST_TEST(count("users", "1") == "3");
    BOOST_TEST(count("outbox", "1") == "3");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(admission_control)

// While the oldest waiting job has waited longer than max_queue_wait, a new job is refused at once
// with 503 instead of joining the queue; the jobs already queued still run.
BOOST_AUTO_TEST_CASE(new_jobs_are_refused_while_the_queue_is_too_old) {
    auto url = parse_database_url(test_database_url()).value();
    mysql::worker_pool pool({url, 1, std::chrono::seconds(10), 64, std::chrono::milliseconds(100)});
    io_thread loop;
    auto job = [&](double sleep_seconds) { return loop.hold(pool, sleep_seconds); };
    auto busy = job(0.6);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto queued = job(0);  // waits behind the busy worker
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto refused = job(0).get();  // the queued one has waited ~300 ms > 100 ms
    BOOST_TEST_REQUIRE(!refused.has_value());
    BOOST_TEST((refused.error().code == errc::service_unavailable));
    BOOST_TEST(refused.error().message.find("overloaded") != std::string::npos, refused.error().message);
    BOOST_TEST(busy.get().has_value());
    BOOST_TEST(queued.get().has_value());
    BOOST_TEST(job(0).get().has_value());  // the queue is empty again: admitted
}

BOOST_AUTO_TEST_SUITE_END()
