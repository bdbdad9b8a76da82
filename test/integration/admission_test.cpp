// Admission control under overload, on the real MariaDB: the worker pool refuses a job as soon as
// its queue holds more than the wait bound's worth of work (queue length over the measured drain
// rate), and the OTP endpoints answer 503 before parsing anything while the pool sheds.

#include "test_server.hpp"

#include "moonkey/core/database_url.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

using namespace moonkey;
using namespace moonkey::test;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

}  // namespace

BOOST_AUTO_TEST_SUITE(admission)

// Once the pool has measured how fast it drains while saturated, a job is refused when the queue in
// front of it holds more than max_queue_wait of work, although the oldest job has waited only a few
// milliseconds; the refusal itself takes no wait.
BOOST_AUTO_TEST_CASE(a_queue_over_the_bound_refuses_before_its_oldest_job_waited_that_long) {
    auto url = parse_database_url(test_database_url()).value();
    mysql::worker_pool pool({url, 1, 10s, 1024, 100ms, 1});  // jobs alone: a round is one job
    io_thread r;
    std::vector<std::future<outcome<void>>> measuring;
    for (int i = 0; i < 20; ++i) measuring.push_back(r.hold(pool, 0.02));  // ~400 ms, the queue never empty
    for (auto& f : measuring) BOOST_TEST_REQUIRE(f.get().has_value());
    auto const rate = pool.drain_rate();  // at most 50 jobs/s (20 ms each, plus the round trip)
    BOOST_TEST_REQUIRE(rate > 10.0);
    BOOST_TEST_REQUIRE(rate < 60.0);

    auto busy = r.hold(pool, 0.5);  // holds the worker: what follows queues
    wait_until_busy(pool);
    std::vector<std::future<outcome<void>>> queued;
    auto const first_queued = steady::now();
    std::optional<outcome<void>> refused;
    for (int i = 0; i < 50 && !refused; ++i) {
        auto f = r.hold(pool, 0.02);
        if (f.wait_for(0s) == std::future_status::timeout) std::this_thread::sleep_for(2ms);
        if (f.wait_for(0s) == std::future_status::ready) {
            refused = f.get();
        } else {
            queued.push_back(std::move(f));
        }
    }
    auto const refused_after = steady::now() - first_queued;
    BOOST_TEST_REQUIRE(refused.has_value());
    BOOST_TEST_REQUIRE(!refused->has_value());
    BOOST_TEST((refused->error().code == errc::service_unavailable));
    BOOST_TEST(refused->error().message.find("overloaded") != std::string::npos, refused->error().message);
    // About 100 ms of work at the measured rate was let in: a handful of jobs, not a 100 ms backlog
    // of arrivals (which at this test's pace of one per 2 ms would be 50).
    BOOST_TEST(queued.size() <= static_cast<std::size_t>(rate * 0.1) + 2, queued.size()
                                                                              << " at " << rate << "/s");
    BOOST_TEST((refused_after < 100ms));  // the oldest queued job had waited less than the bound
    BOOST_TEST(pool.sheds());
    BOOST_TEST(busy.get().has_value());
    for (auto& f : queued) BOOST_TEST(f.get().has_value());  // the admitted ones all ran
    BOOST_TEST(!pool.sheds());                               // empty again
    pool.stop();
}

// While the batch pool sheds, login_or_create answers 503 with Retry-After at once, without running
// (the number is not created), and the light endpoints still answer.
BOOST_AUTO_TEST_CASE(the_otp_endpoints_refuse_before_parsing_while_the_store_sheds) {
    test_server server([](config& cfg) {
        cfg.db_batch_workers = 1;
        cfg.db_queue_max_wait = 50ms;
        cfg.db_timeout = 10s;  // the job that holds the worker sleeps 3 s
    });
    auto keys = server.create_app("Shedding");
    auto phone = unique_phone();
    auto body = R"({"phone_number":")" + phone + R"("})";
    io_thread r;
    auto busy = r.hold(server.batch_pool(), 3);     // the only batch worker, for the whole test
    auto waiting = r.hold(server.batch_pool(), 0);  // queued behind it, ageing past 50 ms
    auto const deadline = steady::now() + 5s;
    while (!server.batch_pool().sheds() && steady::now() < deadline) std::this_thread::sleep_for(5ms);
    BOOST_TEST_REQUIRE(server.batch_pool().sheds());

    auto const sent = steady::now();
    auto refused = server.post("/v1/auth/otps/sms/login_or_create", keys.test_secret, body);
    auto const took = steady::now() - sent;
    BOOST_TEST(refused.status == 503);
    BOOST_TEST(refused.error_type() == "service_unavailable");
    BOOST_TEST(refused.headers.count("Retry-After") == 1u);
    BOOST_TEST(refused.body.find("overloaded") != std::string::npos, refused.body);
    BOOST_TEST((took < 300ms));  // not queued behind the 3 s job
    // Even a request that would fail validation gets the 503: nothing of it was looked at.
    BOOST_TEST(server.post("/v1/auth/otps/sms/login_or_create", "sk_test_not_a_key", "{}").status == 503);
    BOOST_TEST(server.get("/healthz").status == 200);

    BOOST_TEST(busy.get().has_value());
    BOOST_TEST(waiting.get().has_value());
    BOOST_TEST(!server.batch_pool().sheds());
    auto admitted = server.post("/v1/auth/otps/sms/login_or_create", keys.test_secret, body);
    BOOST_TEST_REQUIRE(admitted.status == 200, admitted.body);
    BOOST_TEST(admitted.json.at("user_created").as_bool());  // the refused request created nothing
}

BOOST_AUTO_TEST_SUITE_END()
