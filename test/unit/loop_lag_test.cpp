#include <boost/test/unit_test.hpp>

#include "moonkey/core/loop_lag.hpp"

using namespace moonkey;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(loop_lag_steps)

BOOST_AUTO_TEST_CASE(a_punctual_loop_sheds_nothing) {
    loop_lag lag(10ms);
    for (int i = 0; i < 100; ++i) lag.record(200us);
    BOOST_TEST(std::abs(lag.current().count() - 200) <= 5);
    BOOST_TEST(lag.shed_share() == 0.0);
    BOOST_TEST(!lag.sheds(0.0));
}

BOOST_AUTO_TEST_CASE(one_late_timer_moves_the_lag_by_a_fifth) {
    loop_lag lag(10ms);
    lag.record(50ms);  // a preemption, a page fault
    BOOST_TEST(lag.current().count() == 10000);
    BOOST_TEST(lag.shed_share() == 0.0);  // at the target, not past it
}

BOOST_AUTO_TEST_CASE(the_shed_share_grows_from_the_target_to_all_at_twice_it) {
    loop_lag lag(10ms);
    for (int i = 0; i < 200; ++i) lag.record(15ms);
    BOOST_TEST(lag.shed_share() == 0.5, boost::test_tools::tolerance(0.01));
    BOOST_TEST(lag.sheds(0.2));
    BOOST_TEST(!lag.sheds(0.8));
    for (int i = 0; i < 200; ++i) lag.record(40ms);
    BOOST_TEST(lag.shed_share() == 1.0);
    for (int i = 0; i < 200; ++i) lag.record(1ms);  // the loop caught up: shedding stops
    BOOST_TEST(lag.shed_share() == 0.0);
}

BOOST_AUTO_TEST_CASE(a_target_of_zero_never_sheds) {
    loop_lag lag(0ms);
    for (int i = 0; i < 100; ++i) lag.record(1s);
    BOOST_TEST(lag.shed_share() == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
