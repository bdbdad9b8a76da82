#pragma once
// How far behind a core's loop is. A timer due every `interval` notes how late it ran; the lag is
// smoothed over the last few dozen milliseconds. A loop that is busy, or that waits for a CPU the
// database and the clients also want, runs everything that late, the reads of new requests
// included, and a client sees that wait on top of the handler's own time, for a refusal as much as
// for an answer. So the lag is a queue too: past its target the OTP endpoints shed a growing share
// of their requests (load_shedding.hpp), which gives the CPU back to the loops (each shed request
// skips its database transaction), so that refusals stay fast and accepted requests' latency stays
// bounded even when the database queue looks fine because it takes the CPU from the loops.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>

namespace moonkey {

// The smoothing and the shedding decision, as pure logic. Written by one thread (the core's);
// current() may be read from any (the metrics).
//
// The smoothed lag learns of a late loop only when the late timer finally runs: a loop that works
// through a backlog of thousands of ready connections (150 % load over 2,048 of them) goes on
// admitting requests for as long as the backlog lasts, each one adding to it. So the decision also
// takes the lag the loop has now: how long the next probe has been overdue. Once a loop has spent
// more than the target on its backlog without reaching the timer, the rest of that backlog is shed
// at once (cheaply: a refusal skips authentication, parsing and the database), and the loop is back
// at its timers within little more than the target. The overdue probe counts only while the
// smoothed lag is at half the target or more, i.e. while the loop has been late lately: a loop
// that is punctual and then preempted once (the database or the clients had the CPU for a few
// milliseconds) has no backlog of its own making, and shedding there would refuse requests at the
// peak, where the box is busy but not overloaded. One late probe of a backlog (20 ms or more)
// raises the smoothed lag that far.
class loop_lag {
public:
    using clock = std::chrono::steady_clock;

    // `target` 0: never sheds.
    explicit loop_lag(std::chrono::milliseconds target) : target_(target) {}

    // Records that a timer ran `late` after its due time.
    void record(clock::duration late);

    // Records that the next probe is due at `due`.
    void expect_probe(clock::time_point due) { probe_due_ = due; }

    // The smoothed lag.
    std::chrono::microseconds current() const {
        return std::chrono::microseconds(static_cast<long long>(lag_us_.load(std::memory_order_relaxed)));
    }

    // Returns the share of requests to shed at `now`: 0 up to the target, growing linearly to 1 at
    // twice it, for the larger of the smoothed lag and (while the smoothed lag is at half the
    // target or more) the time the expected probe is overdue.
    double shed_share(clock::time_point now) const;

    // Returns true when a request with the uniform draw `u` (0 <= u < 1) is to be shed at `now`.
    bool sheds(double u, clock::time_point now) const { return u < shed_share(now); }

private:
    std::chrono::milliseconds target_;
    std::atomic<double> lag_us_{0};
    clock::time_point probe_due_ = clock::time_point::max();  // none expected: nothing overdue
};

// The timer that feeds a core's loop_lag. Used from its core's thread only.
class loop_lag_probe {
public:
    loop_lag_probe(boost::asio::any_io_executor ex, std::chrono::milliseconds interval, loop_lag& lag);

    // Starts the timer on the executor (an interval of 0 starts nothing).
    void start();
    void stop();

private:
    boost::asio::awaitable<void> run();

    std::chrono::milliseconds interval_;
    loop_lag& lag_;
    boost::asio::steady_timer timer_;
    bool stopping_ = false;
};

}  // namespace moonkey
