#include "moonkey/delivery/batch_policy.hpp"

#include <algorithm>
#include <cmath>

namespace moonkey {

batch_policy::flush_decision batch_policy::next_flush(std::size_t ready, clock::time_point oldest_since,
                                                      clock::time_point now,
                                                      std::chrono::milliseconds linger) const {
    if (ready == 0) return {false, clock::time_point::max()};
    auto due = oldest_since + linger;
    if (ready >= opts_.batch_max || due <= now) return {true, now};
    return {false, due};
}

batch_policy::retry_decision batch_policy::after_failure(unsigned attempts,
                                                         std::optional<std::chrono::milliseconds> retry_after,
                                                         std::int64_t expires_at, std::int64_t now_unix,
                                                         clock::time_point now, double random01) const {
    using std::chrono::milliseconds;
    if (attempts >= opts_.max_attempts) return {retry_decision::verdict::give_up, {}};
    double exponent = std::min<double>(attempts == 0 ? 0 : attempts - 1, 30);
    double backoff = std::min<double>(static_cast<double>(opts_.backoff_base.count()) * std::pow(2.0, exponent),
                                      static_cast<double>(opts_.backoff_max.count()));
    backoff *= 1.0 + opts_.jitter * (2.0 * random01 - 1.0);
    auto delay = milliseconds(static_cast<std::int64_t>(backoff));
    if (retry_after && *retry_after > delay) delay = *retry_after;
    auto delay_seconds = (delay.count() + 999) / 1000;
    if (now_unix + delay_seconds >= expires_at) return {retry_decision::verdict::expired, {}};
    return {retry_decision::verdict::retry, now + delay};
}

}  // namespace moonkey
