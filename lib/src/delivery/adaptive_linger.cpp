#include "moonkey/delivery/adaptive_linger.hpp"

#include <algorithm>

namespace moonkey {

adaptive_linger::adaptive_linger(std::chrono::milliseconds base, std::chrono::milliseconds max)
    : base_(base), max_(std::max(base, max)), current_(base) {}

std::chrono::milliseconds adaptive_linger::linger(clock::time_point oldest_since) const {
    return busy(oldest_since) ? current_ : base_;
}

void adaptive_linger::flushed(clock::time_point oldest_since, clock::time_point now, bool full) {
    if (full) {
        current_ = std::max(base_, current_ / 2);
    } else if (busy(oldest_since)) {
        current_ = std::min(max_, std::max(current_ * 2, std::chrono::milliseconds(1)));
    } else {
        current_ = base_;
    }
    last_flush_ = now;
}

}  // namespace moonkey
