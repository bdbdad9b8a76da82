#include <boost/test/unit_test.hpp>

#include "moonkey/store/mysql/queue_admission.hpp"

using namespace moonkey::mysql;
using namespace std::chrono_literals;

namespace {

auto const t0 = drain_rate_meter::clock::time_point{} + 1h;

// Feeds `meter` `jobs_per_window` completions in each of `windows` 100 ms windows from `start`,
// in ten equal parts; returns the end.
drain_rate_meter::clock::time_point saturated(drain_rate_meter& meter,
                                              drain_rate_meter::clock::time_point start, int windows,
                                              std::size_t jobs_per_window) {
    auto now = start;
    for (int w = 0; w < windows; ++w)
        for (int part = 0; part < 10; ++part) {
            now += 10ms;
            meter.completed(jobs_per_window / 10, now);
        }
    return now;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(drain_rate_steps)

BOOST_AUTO_TEST_CASE(the_rate_is_unknown_until_a_saturated_window_has_passed) {
    drain_rate_meter meter;
    BOOST_TEST(meter.per_second() == 0.0);
    meter.completed(10, t0);
    meter.completed(10, t0 + 50ms);
    BOOST_TEST(meter.per_second() == 0.0);  // the first window is not over
}

BOOST_AUTO_TEST_CASE(saturated_windows_measure_the_completions_per_second) {
    drain_rate_meter meter;
    saturated(meter, t0, 5, 400);  // 400 jobs per 100 ms
    BOOST_TEST(meter.per_second() == 4000.0, boost::test_tools::tolerance(0.05));
}

BOOST_AUTO_TEST_CASE(a_window_with_an_idle_worker_cannot_lower_the_estimate) {
    drain_rate_meter meter;
    auto now = saturated(meter, t0, 5, 400);
    auto const before = meter.per_second();
    meter.idled(now);  // the burst is over: a worker finds the queue empty
    // A quiet spell: only 10 jobs per 100 ms arrive, and each finds a worker waiting.
    for (int i = 0; i < 20; ++i) {
        now += 50ms;
        meter.completed(5, now);
        meter.idled(now);  // the worker that finished finds the queue empty
    }
    BOOST_TEST(meter.per_second() == before);  // a burst after it is judged at the capacity, not at 100/s
}

BOOST_AUTO_TEST_CASE(a_window_with_an_idle_worker_raises_an_estimate_that_came_out_low) {
    drain_rate_meter meter;
    auto now = saturated(meter, t0, 3, 10);  // 100/s: the workers were still connecting
    BOOST_TEST(meter.per_second() == 100.0, boost::test_tools::tolerance(0.05));
    // Then 2,000 jobs/s are served with a worker idle now and then (the low estimate refuses so much
    // that the queue keeps running dry, and no saturated window would come to correct it).
    for (int i = 0; i < 10; ++i) {
        now += 50ms;
        meter.completed(100, now);
        meter.idled(now);
    }
    BOOST_TEST(meter.per_second() == 2000.0, boost::test_tools::tolerance(0.05));
}

BOOST_AUTO_TEST_CASE(the_estimate_follows_a_change_of_capacity_within_a_few_windows) {
    drain_rate_meter meter;
    auto now = saturated(meter, t0, 5, 400);
    saturated(meter, now, 10, 100);  // the database slows to a quarter
    BOOST_TEST(meter.per_second() < 1200.0);
    BOOST_TEST(meter.per_second() > 1000.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(queue_admission_decisions)

BOOST_AUTO_TEST_CASE(the_wait_is_the_queue_over_the_drain_rate) {
    BOOST_TEST((queue_admission::estimated_wait(400, 4000.0) == 100ms));
    BOOST_TEST((queue_admission::estimated_wait(400, 0.0) == 0ms));  // unknown rate: no estimate
}

BOOST_AUTO_TEST_CASE(a_queue_over_the_bound_refuses_before_its_oldest_job_has_waited_that_long) {
    queue_admission admission{100ms};
    // 4,000 jobs/s and 500 queued: 125 ms of work, although the oldest has waited only 20 ms.
    BOOST_TEST(admission.refuses(500, 20ms, 4000.0));
    BOOST_TEST(!admission.refuses(300, 20ms, 4000.0));  // 75 ms of work: admitted
}

BOOST_AUTO_TEST_CASE(the_oldest_jobs_age_refuses_when_the_rate_is_unknown_or_stale) {
    queue_admission admission{100ms};
    BOOST_TEST(!admission.refuses(50, 90ms, 0.0));
    BOOST_TEST(admission.refuses(50, 110ms, 0.0));  // nothing measured yet: the backstop
    BOOST_TEST(
        admission.refuses(10, 150ms, 4000.0));  // a stall: the rate says 2.5 ms, the queue says otherwise
}

BOOST_AUTO_TEST_CASE(one_round_of_work_is_admitted_whatever_the_estimate) {
    queue_admission admission{100ms, 128};  // 4 workers taking 32 jobs each
    // An estimate of 100 jobs/s puts 127 queued jobs at 1.27 s, but they make the next full batches.
    BOOST_TEST(!admission.refuses(127, 20ms, 100.0));
    BOOST_TEST(admission.refuses(128, 20ms, 100.0));
    BOOST_TEST(admission.refuses(50, 110ms, 100.0));  // the oldest job's age still bounds that round
}

BOOST_AUTO_TEST_CASE(an_empty_queue_admits) {
    queue_admission admission{100ms};
    BOOST_TEST(!admission.refuses(0, 0ms, 0.0));
    BOOST_TEST(!admission.refuses(0, 0ms, 4000.0));
}

BOOST_AUTO_TEST_SUITE_END()
