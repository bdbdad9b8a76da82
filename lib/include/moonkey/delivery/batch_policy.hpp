#pragma once
// The delivery queue's decisions, without I/O: when to flush a batch, when to retry a failed send,
// and when to give up. Time is passed in, so every step is testable with a fake clock.

#include <chrono>
#include <cstdint>
#include <optional>

namespace moonkey {

class batch_policy {
public:
    using clock = std::chrono::steady_clock;

    struct options {
        std::size_t batch_max = 100;
        std::chrono::milliseconds batch_linger{5};
        std::chrono::milliseconds batch_linger_max{40};  // while busy (adaptive_linger); batch_linger: fixed
        unsigned max_attempts = 10;
        std::chrono::milliseconds backoff_base{500};
        std::chrono::milliseconds backoff_max{std::chrono::seconds(60)};
        double jitter = 0.2;  // ± this share of the backoff
    };

    explicit batch_policy(options opts) : opts_(opts) {}

    struct flush_decision {
        bool flush = false;
        clock::time_point wake_at;  // when not flushing: when to look again (unless woken earlier)
    };

    // Flush when `ready` messages fill a batch or the oldest has waited `linger` (the lane's
    // adaptive_linger); the second form lingers batch_linger.
    flush_decision next_flush(std::size_t ready, clock::time_point oldest_since, clock::time_point now,
                              std::chrono::milliseconds linger) const;
    flush_decision next_flush(std::size_t ready, clock::time_point oldest_since,
                              clock::time_point now) const {
        return next_flush(ready, oldest_since, now, opts_.batch_linger);
    }

    struct retry_decision {
        enum class verdict { retry, give_up, expired } what = verdict::retry;
        clock::time_point at;  // for retry
    };

    // After the `attempts`-th failed send of a message whose code expires at `expires_at` (Unix s):
    // give up after max_attempts; expire when the retry would come after the code's expiry;
    // otherwise retry after exponential backoff with jitter (`random01` in [0, 1)), or after the
    // provider's Retry-After when that is later.
    retry_decision after_failure(unsigned attempts, std::optional<std::chrono::milliseconds> retry_after,
                                 std::int64_t expires_at, std::int64_t now_unix, clock::time_point now,
                                 double random01) const;

    // True when a message must not be sent any more.
    static bool expired(std::int64_t expires_at, std::int64_t now_unix) { return expires_at <= now_unix; }

    std::size_t batch_max() const { return opts_.batch_max; }
    options const& settings() const { return opts_; }

private:
    options opts_;
};

}  // namespace moonkey
