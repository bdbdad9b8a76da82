#pragma once
// Admission control of a worker pool's queue, as pure logic (time is passed in, no locks, no I/O).
//
// A job is refused when the wait it would have in the queue passes the bound. That wait is
// estimated from the queue's length and the rate the workers drain it at, so a refusal comes as soon
// as the queue holds more than the bound's worth of work, and an admitted job waits at most about
// the bound. (Refusing only once the oldest job has waited past the bound lets the queue keep
// filling for that long first: at 150 % of capacity the last jobs let in then wait 1.5 times the
// bound, and the queue stands at the bound for good.) The oldest job's age stays a backstop for
// when the rate is unknown or stale, as in a stall where nothing completes.
//
// The drain rate is measured over windows in which no worker went idle: then the workers were
// saturated and the completions per second are the pool's capacity at the current batch sizes and
// database speed. A window with an idle worker measured the arrival rate instead, which is only a
// lower bound of the capacity: it can raise the estimate, never lower it (else a burst after a quiet
// spell would look like minutes of work). Raising matters: an estimate that came out low (the first
// window included the connects) refuses so much that the workers idle and no saturated window
// comes to correct it.
//
// The queue always admits one round of work (min_queue, the workers times the jobs a worker takes
// at once) before the estimate refuses anything. Batches fill from the queue, and the throughput of
// small batches is lower; without that floor a low estimate would shorten the queue, shrink the
// batches, and measure an even lower rate. The oldest job's age still bounds that round's wait.

#include <chrono>
#include <cstddef>

namespace moonkey::mysql {

class drain_rate_meter {
public:
    using clock = std::chrono::steady_clock;

    explicit drain_rate_meter(clock::duration window = std::chrono::milliseconds(100)) : window_(window) {}

    // Records that `jobs` finished at `now`.
    void completed(std::size_t jobs, clock::time_point now);

    // Records that a worker found the queue empty at `now`: the current window measures no capacity.
    void idled(clock::time_point now);

    // Returns the jobs per second the saturated workers drained (smoothed over windows), or 0 when no
    // saturated window has been measured yet.
    double per_second() const { return rate_; }

private:
    void roll(clock::time_point now);

    clock::duration window_;
    clock::time_point window_start_{};
    std::size_t window_jobs_ = 0;
    bool window_idle_ = false;
    double rate_ = 0;
};

struct queue_admission {
    using clock = std::chrono::steady_clock;

    std::chrono::milliseconds max_wait{100};
    std::size_t min_queue = 0;  // jobs admitted whatever the estimate says

    // Returns the estimated wait of a job that joins `queued` waiting jobs, drained at `per_second`
    // (0: unknown, estimated as no wait).
    static clock::duration estimated_wait(std::size_t queued, double per_second);

    // Returns true when a new job should be refused: the age of the oldest waiting job is over
    // max_wait, or more than min_queue jobs wait and the new one's estimated wait is over max_wait.
    bool refuses(std::size_t queued, clock::duration oldest_age, double per_second) const {
        return oldest_age > max_wait
               || (queued >= min_queue && estimated_wait(queued, per_second) > max_wait);
    }
};

}  // namespace moonkey::mysql
