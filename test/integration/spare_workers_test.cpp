// Spare workers, on the real MariaDB: with spare_after set, a pool's first worker takes every job
// while it keeps up, and the others take one only after the oldest job has waited that long.

#include "test_server.hpp"

#include "moonkey/core/database_url.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <set>
#include <thread>

using namespace moonkey;
using namespace moonkey::test;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

// Which worker ran a job, and when it started.
struct run_record {
    std::thread::id worker;
    steady::time_point started;
};

// Runs a job that sleeps `seconds` in the database; returns its future record.
std::future<outcome<run_record>> record_job(io_thread& r, mysql::worker_pool& pool, double seconds) {
    auto job = pool.run<run_record>([seconds](mysql::connection& conn) -> outcome<run_record> {
        run_record record{std::this_thread::get_id(), steady::now()};
        if (seconds > 0) conn.execute("DO SLEEP(" + std::to_string(seconds) + ")");
        return record;
    });
    return boost::asio::co_spawn(r.io, std::move(job), boost::asio::use_future);
}

mysql::worker_pool::options two_workers(std::chrono::microseconds spare_after) {
    return {parse_database_url(test_database_url()).value(), 2, 10s, 64, 5000ms, 1, spare_after};
}

// A job submitted while another holds the first worker: how long it waited to start, and whether
// another worker ran it.
struct helped_job {
    steady::duration waited;
    bool other_worker;
};

helped_job job_behind_a_stuck_one(std::chrono::microseconds spare_after, double stuck_seconds) {
    mysql::worker_pool pool(two_workers(spare_after));
    io_thread r;
    auto stuck = record_job(r, pool, stuck_seconds);
    wait_until_busy(pool);
    auto const submitted = steady::now();
    auto helped = record_job(r, pool, 0).get();
    auto first = stuck.get();
    BOOST_TEST_REQUIRE(helped.has_value());
    BOOST_TEST_REQUIRE(first.has_value());
    pool.stop();
    return {helped->started - submitted, helped->worker != first->worker};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spare_workers)

// One job after another: the first worker is always free for the next, so it runs them all. (A
// long spare_after: the first worker may be a moment late for the next job on a loaded machine.)
BOOST_AUTO_TEST_CASE(while_the_first_worker_keeps_up_the_spare_waits) {
    mysql::worker_pool pool(two_workers(1s));
    io_thread r;
    std::set<std::thread::id> workers;
    for (int i = 0; i < 10; ++i) {
        auto record = record_job(r, pool, 0).get();
        BOOST_TEST_REQUIRE(record.has_value());
        workers.insert(record->worker);
    }
    BOOST_TEST(workers.size() == 1u);
    pool.stop();
}

// The first worker is stuck on a long job: the next job waits spare_after, then the spare runs it.
BOOST_AUTO_TEST_CASE(a_job_that_waited_spare_after_goes_to_a_spare) {
    auto helped = job_behind_a_stuck_one(300ms, 1.5);
    BOOST_TEST(helped.other_worker);
    BOOST_TEST((helped.waited >= 290ms));
    BOOST_TEST((helped.waited < 1200ms));  // well before the stuck job ends
}

// Without spare_after every worker takes a job at once.
BOOST_AUTO_TEST_CASE(without_spare_after_a_free_worker_takes_a_job_at_once) {
    auto helped = job_behind_a_stuck_one(0ms, 1.0);
    BOOST_TEST(helped.other_worker);
    BOOST_TEST((helped.waited < 250ms));
}

BOOST_AUTO_TEST_SUITE_END()
