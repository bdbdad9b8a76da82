#include <boost/test/unit_test.hpp>

#include "moonkey/delivery/adaptive_linger.hpp"

using namespace moonkey;
using namespace std::chrono_literals;

namespace {

auto const t0 = adaptive_linger::clock::time_point{} + 1h;

}  // namespace

BOOST_AUTO_TEST_SUITE(adaptive_linger_steps)

BOOST_AUTO_TEST_CASE(a_lone_message_on_an_idle_lane_waits_the_base_linger) {
    adaptive_linger l(5ms, 40ms);
    BOOST_TEST(l.linger(t0).count() == 5);
    l.flushed(t0, t0 + 5ms, false);
    BOOST_TEST(l.current().count() == 5);  // idle before: no growth
    BOOST_TEST(l.linger(t0 + 1s).count() == 5);
}

BOOST_AUTO_TEST_CASE(the_linger_doubles_while_the_lane_is_busy_up_to_the_max) {
    adaptive_linger l(5ms, 40ms);
    auto now = t0;
    l.flushed(now - 5ms, now, false);  // the first batch found the lane idle
    std::vector<long> lingers;
    for (int i = 0; i < 5; ++i) {
        auto oldest = now + 1ms;  // the next message came right after the flush: busy
        auto wait = l.linger(oldest);
        lingers.push_back(wait.count());
        now = oldest + wait;
        l.flushed(oldest, now, false);
    }
    BOOST_TEST(lingers == (std::vector<long>{5, 10, 20, 40, 40}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_idle_gap_brings_the_base_linger_back_at_once) {
    adaptive_linger l(5ms, 40ms);
    l.flushed(t0 - 5ms, t0, false);
    l.flushed(t0 + 1ms, t0 + 6ms, false);
    l.flushed(t0 + 7ms, t0 + 17ms, false);
    BOOST_TEST(l.current().count() == 20);
    // The next code arrives 100 ms later: it must not wait the grown 20 ms.
    BOOST_TEST(l.linger(t0 + 117ms).count() == 5);
    BOOST_TEST(l.linger(t0 + 21ms).count() == 20);  // one arriving within a base linger of the flush does
    l.flushed(t0 + 117ms, t0 + 122ms, false);
    BOOST_TEST(l.current().count() == 5);
}

BOOST_AUTO_TEST_CASE(a_full_batch_halves_the_linger_but_not_below_the_base) {
    adaptive_linger l(5ms, 40ms);
    l.flushed(t0 - 5ms, t0, false);
    l.flushed(t0 + 1ms, t0 + 6ms, false);
    l.flushed(t0 + 7ms, t0 + 17ms, false);  // 20 ms now
    l.flushed(t0 + 18ms, t0 + 20ms, true);
    BOOST_TEST(l.current().count() == 10);
    l.flushed(t0 + 21ms, t0 + 22ms, true);
    l.flushed(t0 + 23ms, t0 + 24ms, true);
    BOOST_TEST(l.current().count() == 5);
}

BOOST_AUTO_TEST_CASE(a_max_below_the_base_means_a_fixed_linger) {
    adaptive_linger l(5ms, 0ms);
    l.flushed(t0 - 5ms, t0, false);
    l.flushed(t0 + 1ms, t0 + 6ms, false);
    BOOST_TEST(l.linger(t0 + 7ms).count() == 5);
}

BOOST_AUTO_TEST_SUITE_END()
