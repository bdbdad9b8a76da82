// The delivery queue's depth on the real MariaDB. The depth decides whether a login_or_create is
// refused with 503 before its commit and whether a committed message joins the queue or waits for
// lease recovery, so each message in the queue must count once, also while a failed batch's
// database writes (its retries' longer leases) are under way.

#include "test_server.hpp"

#include "moonkey/core/clock.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/delivery/delivery_queue.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace moonkey;
using namespace moonkey::test;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

// A provider that asks to retry every message, as one answering 503 does. Before it answers it
// keeps the pool's only connection busy for 300 ms, so the batch's lease extension waits behind
// that job: a wide, certain window for looking at the depth while the write is under way.
class busy_provider final : public provider {
public:
    explicit busy_provider(mysql::worker_pool& pool) : pool_(pool) {}

    asio::awaitable<std::vector<delivery_result>> send(std::span<outbound_message const> batch) override {
        auto ex = co_await asio::this_coro::executor;
        asio::co_spawn(ex, hold_connection(pool_, 0.3), asio::detached);
        asio::steady_timer started(ex, 20ms);  // the job is on the connection before the batch's writes
        co_await started.async_wait(asio::use_awaitable);
        co_return std::vector<delivery_result>(batch.size(), delivery_result::retry("busy"));
    }

    std::string_view name() const override { return "webhook"; }

private:
    mysql::worker_pool& pool_;
};

outbound_message message_to(std::string to, std::int64_t now) {
    outbound_message m;
    m.id = "msg_depth_test_" + std::to_string(now);
    m.owner = {"app_depth_test", environment::test};
    m.via = channel::sms;
    m.to = std::move(to);
    m.code = "123456";
    m.expires_at = now + 60;
    m.lease_until = now + 30;
    return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery_queue_depth)

BOOST_AUTO_TEST_CASE(a_message_to_retry_counts_once_while_its_lease_is_extended) {
    auto url = parse_database_url(test_database_url()).value();
    mysql::worker_pool pool({url, 1});
    mysql::mysql_repository repo(pool);
    busy_provider sms(pool), email(pool);
    asio::io_context io;
    delivery_queue::options opts;
    opts.policy.batch_linger = 1ms;
    opts.marks.interval = 0ms;
    auto clock = system_unix_clock();
    delivery_queue queue(io.get_executor(), repo, sms, email, clock, opts);
    queue.start();
    BOOST_TEST_REQUIRE(queue.enqueue(message_to("+16502000000", clock())));

    std::size_t deepest = 0;
    std::uint64_t retried_seen = 0;
    auto watch = [&]() -> asio::awaitable<void> {
        asio::steady_timer tick(io);
        // Until the batch failed, then through the 300 ms its lease extension waits for the database.
        auto give_up = steady::now() + 5s;
        while (queue.stats().retried == 0 && steady::now() < give_up) {
            deepest = std::max(deepest, queue.depth());
            tick.expires_after(1ms);
            co_await tick.async_wait(asio::use_awaitable);
        }
        retried_seen = queue.stats().retried;
        for (auto until = steady::now() + 200ms; steady::now() < until;) {
            deepest = std::max(deepest, queue.depth());
            tick.expires_after(1ms);
            co_await tick.async_wait(asio::use_awaitable);
        }
        co_await queue.stop();
    };
    asio::co_spawn(io, watch(), asio::detached);
    io.run();

    BOOST_TEST(retried_seen == 1u);
    BOOST_TEST(deepest == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
