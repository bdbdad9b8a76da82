#include "moonkey/store/mysql/queue_admission.hpp"

#include <algorithm>

namespace moonkey::mysql {
namespace {

// Weight of the newest window in the smoothed rate: a change of capacity shows within a few
// windows, while one window's noise (a slow fsync) moves the estimate by a third of it.
constexpr double newest_weight = 0.3;

}  // namespace

// A window is (window_start_, now]: the completions after its start, up to and including now.

void drain_rate_meter::completed(std::size_t jobs, clock::time_point now) {
    if (window_start_ == clock::time_point{}) {  // the first event: when those jobs started is unknown
        window_start_ = now;
        return;
    }
    window_jobs_ += jobs;
    roll(now);
}

void drain_rate_meter::idled(clock::time_point now) {
    if (window_start_ == clock::time_point{}) window_start_ = now;
    window_idle_ = true;
    roll(now);
}

void drain_rate_meter::roll(clock::time_point now) {
    auto const elapsed = now - window_start_;
    if (elapsed < window_) return;
    auto const measured = static_cast<double>(window_jobs_) / std::chrono::duration<double>(elapsed).count();
    if (window_idle_) {
        rate_ = std::max(rate_, measured);  // the arrivals were served: capacity is at least that
    } else if (window_jobs_ > 0) {
        rate_ = rate_ == 0 ? measured : rate_ + newest_weight * (measured - rate_);
    }
    window_start_ = now;
    window_jobs_ = 0;
    window_idle_ = false;
}

queue_admission::clock::duration queue_admission::estimated_wait(std::size_t queued, double per_second) {
    if (per_second <= 0) return clock::duration::zero();
    return std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(static_cast<double>(queued) / per_second));
}

}  // namespace moonkey::mysql
