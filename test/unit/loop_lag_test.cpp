#include <boost/test/unit_test.hpp>

#include "moonkey/core/loop_lag.hpp"

#include <boost/asio/io_context.hpp>

using namespace moonkey;
using namespace std::chrono_literals;

namespace {
// A moment at which no probe is overdue: the tests of the smoothed lag expect none.
auto const now = loop_lag::clock::now();
}  // namespace

BOOST_AUTO_TEST_SUITE(loop_lag_steps)

BOOST_AUTO_TEST_CASE(a_punctual_loop_sheds_nothing) {
    loop_lag lag(10ms);
    for (int i = 0; i < 100; ++i) lag.record(200us);
    BOOST_TEST(std::abs(lag.current().count() - 200) <= 5);
    BOOST_TEST(lag.shed_share(now) == 0.0);
    BOOST_TEST(!lag.sheds(0.0, now));
}

BOOST_AUTO_TEST_CASE(one_late_timer_moves_the_lag_by_a_fifth) {
    loop_lag lag(10ms);
    lag.record(50ms);  // a preemption, a page fault
    BOOST_TEST(lag.current().count() == 10000);
    BOOST_TEST(lag.shed_share(now) == 0.0);  // at the target, not past it
}

BOOST_AUTO_TEST_CASE(the_shed_share_grows_from_the_target_to_all_at_twice_it) {
    loop_lag lag(10ms);
    for (int i = 0; i < 200; ++i) lag.record(15ms);
    BOOST_TEST(lag.shed_share(now) == 0.5, boost::test_tools::tolerance(0.01));
    BOOST_TEST(lag.sheds(0.2, now));
    BOOST_TEST(!lag.sheds(0.8, now));
    for (int i = 0; i < 200; ++i) lag.record(40ms);
    BOOST_TEST(lag.shed_share(now) == 1.0);
    for (int i = 0; i < 200; ++i) lag.record(1ms);  // the loop caught up: shedding stops
    BOOST_TEST(lag.shed_share(now) == 0.0);
}

BOOST_AUTO_TEST_CASE(a_probe_overdue_past_the_target_sheds_before_it_runs_once_the_loop_has_been_late) {
    loop_lag lag(10ms);
    for (int i = 0; i < 100; ++i) lag.record(200us);  // punctual so far
    lag.record(30ms);                                 // the first late probe of a backlog
    BOOST_TEST(lag.shed_share(now) == 0.0);           // smoothed 6.2 ms: under the target
    auto const due = now + 5ms;
    lag.expect_probe(due);
    BOOST_TEST(lag.shed_share(due + 9ms) == 0.0);  // working through a backlog, within the target
    BOOST_TEST(lag.shed_share(due + 15ms) == 0.5, boost::test_tools::tolerance(0.01));
    BOOST_TEST(lag.sheds(0.99, due + 25ms));  // twice the target overdue: the rest of the backlog is shed
    lag.record(25ms);                         // the probe runs at last, 25 ms late
    lag.expect_probe(due + 30ms);
    BOOST_TEST(lag.shed_share(due + 26ms) == 0.0);  // the next one is not due: only the smoothed lag counts
}

BOOST_AUTO_TEST_CASE(a_punctual_loop_preempted_once_sheds_nothing_for_it) {
    loop_lag lag(10ms);
    for (int i = 0; i < 100; ++i) lag.record(200us);
    auto const due = now + 5ms;
    lag.expect_probe(due);
    // 25 ms overdue (the database had the CPU), but the loop has been punctual: no backlog of its own.
    BOOST_TEST(lag.shed_share(due + 25ms) == 0.0);
}

BOOST_AUTO_TEST_CASE(the_probe_tells_when_it_is_due_and_that_none_is_due_once_stopped) {
    boost::asio::io_context io;
    loop_lag lag(10ms);
    loop_lag_probe probe(io.get_executor(), 5ms, lag);
    probe.start();
    io.run_for(30ms);
    lag.record(30ms);  // as if a probe had been late: the loop has a backlog
    // The loop is stuck from here: the probe due within 5 ms is overdue by 25 ms or more at +30 ms.
    BOOST_TEST(lag.shed_share(loop_lag::clock::now() + 30ms) == 1.0);
    probe.stop();
    io.run();  // the probe's coroutine ends
    // Stopped: nothing is overdue, however late; only the smoothed lag counts (on a loaded machine
    // the probe's own samples may have been late too).
    auto const right_after = lag.shed_share(loop_lag::clock::now());
    BOOST_TEST(lag.shed_share(loop_lag::clock::now() + 1h) == right_after);
}

BOOST_AUTO_TEST_CASE(a_target_of_zero_never_sheds) {
    loop_lag lag(0ms);
    for (int i = 0; i < 100; ++i) lag.record(1s);
    lag.expect_probe(now - 1s);
    BOOST_TEST(lag.shed_share(now) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
