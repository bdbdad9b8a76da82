#pragma once
// How long one lane's next batch may wait to fill. While the lane is busy (its next message arrives
// within a base linger of the previous flush) each batch that waited out its linger doubles it, up
// to `max`, so batches grow and there are fewer provider calls per message; a full batch halves
// it. A message that finds the lane idle waits only the base linger, so a lone code still leaves
// within `base`. No I/O: time is passed in, so each step is testable.

#include <chrono>

namespace moonkey {

class adaptive_linger {
public:
    using clock = std::chrono::steady_clock;

    // `max` below `base` is taken as `base` (no growth).
    adaptive_linger(std::chrono::milliseconds base, std::chrono::milliseconds max);

    // Returns how long a batch whose oldest message arrived at `oldest_since` may linger: the base
    // linger when that message found the lane idle, else the grown linger.
    std::chrono::milliseconds linger(clock::time_point oldest_since) const;

    // Records a flush at `now` of a batch whose oldest message arrived at `oldest_since`; `full`
    // when it held batch_max messages.
    void flushed(clock::time_point oldest_since, clock::time_point now, bool full);

    std::chrono::milliseconds current() const { return current_; }

private:
    bool busy(clock::time_point oldest_since) const { return oldest_since < last_flush_ + base_; }

    std::chrono::milliseconds base_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds current_;
    clock::time_point last_flush_ = clock::time_point::min() + std::chrono::hours(1);
};

}  // namespace moonkey
