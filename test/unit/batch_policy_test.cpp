#include <boost/test/unit_test.hpp>

#include "moonkey/delivery/batch_policy.hpp"

using namespace moonkey;
using namespace std::chrono_literals;
using verdict = batch_policy::retry_decision::verdict;

namespace {

batch_policy::options opts() {
    batch_policy::options o;
    o.batch_max = 3;
    o.batch_linger = 5ms;
    o.max_attempts = 4;
    o.backoff_base = 1000ms;
    o.backoff_max = 4000ms;
    o.jitter = 0.2;
    return o;
}

auto const t0 = batch_policy::clock::time_point{} + 1h;

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_policy_steps)

BOOST_AUTO_TEST_CASE(an_empty_queue_sleeps_until_woken) {
    batch_policy p(opts());
    auto d = p.next_flush(0, t0, t0);
    BOOST_TEST(!d.flush);
    BOOST_TEST((d.wake_at == batch_policy::clock::time_point::max()));
}

BOOST_AUTO_TEST_CASE(a_partial_batch_lingers_then_flushes) {
    batch_policy p(opts());
    auto d = p.next_flush(2, t0, t0 + 1ms);
    BOOST_TEST(!d.flush);
    BOOST_TEST((d.wake_at == t0 + 5ms));
    BOOST_TEST(!p.next_flush(2, t0, t0 + 4ms).flush);
    BOOST_TEST(p.next_flush(2, t0, t0 + 5ms).flush);
}

BOOST_AUTO_TEST_CASE(a_longer_linger_of_a_busy_lane_is_waited_out) {
    batch_policy p(opts());
    auto d = p.next_flush(2, t0, t0 + 5ms, 20ms);
    BOOST_TEST(!d.flush);
    BOOST_TEST((d.wake_at == t0 + 20ms));
    BOOST_TEST(p.next_flush(2, t0, t0 + 20ms, 20ms).flush);
    BOOST_TEST(p.next_flush(3, t0, t0 + 1ms, 20ms).flush);  // a full batch does not wait for it
}

BOOST_AUTO_TEST_CASE(a_full_batch_flushes_at_once) {
    batch_policy p(opts());
    BOOST_TEST(p.next_flush(3, t0, t0).flush);
    BOOST_TEST(p.next_flush(50, t0, t0).flush);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_with_jitter_up_to_the_cap) {
    batch_policy p(opts());
    std::int64_t now = 1000, expires = 10000;
    auto first = p.after_failure(1, std::nullopt, expires, now, t0, 0.5);  // no jitter at 0.5
    BOOST_TEST((first.what == verdict::retry));
    BOOST_TEST((first.at == t0 + 1000ms));
    BOOST_TEST((p.after_failure(2, std::nullopt, expires, now, t0, 0.5).at == t0 + 2000ms));
    BOOST_TEST((p.after_failure(3, std::nullopt, expires, now, t0, 0.5).at == t0 + 4000ms));
    auto low = p.after_failure(1, std::nullopt, expires, now, t0, 0.0);
    auto high = p.after_failure(1, std::nullopt, expires, now, t0, 0.999);
    BOOST_TEST((low.at == t0 + 800ms));
    BOOST_TEST((high.at > t0 + 1190ms));
    BOOST_TEST((high.at < t0 + 1200ms));
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_when_longer) {
    batch_policy p(opts());
    auto d = p.after_failure(1, 7000ms, 10000, 1000, t0, 0.5);
    BOOST_TEST((d.at == t0 + 7000ms));
    auto shorter = p.after_failure(1, 10ms, 10000, 1000, t0, 0.5);
    BOOST_TEST((shorter.at == t0 + 1000ms));
}

BOOST_AUTO_TEST_CASE(gives_up_after_max_attempts) {
    batch_policy p(opts());
    BOOST_TEST((p.after_failure(3, std::nullopt, 10000, 1000, t0, 0.5).what == verdict::retry));
    BOOST_TEST((p.after_failure(4, std::nullopt, 10000, 1000, t0, 0.5).what == verdict::give_up));
}

BOOST_AUTO_TEST_CASE(a_retry_after_the_code_expires_is_not_made) {
    batch_policy p(opts());
    BOOST_TEST((p.after_failure(1, std::nullopt, 1001, 1000, t0, 0.5).what == verdict::expired));
    BOOST_TEST((p.after_failure(1, 60000ms, 1030, 1000, t0, 0.5).what == verdict::expired));
    BOOST_TEST(batch_policy::expired(1000, 1000));
    BOOST_TEST(!batch_policy::expired(1001, 1000));
}

BOOST_AUTO_TEST_SUITE_END()
