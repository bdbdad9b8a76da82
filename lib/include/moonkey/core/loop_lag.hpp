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
class loop_lag {
public:
    // `target` 0: never sheds.
    explicit loop_lag(std::chrono::milliseconds target) : target_(target) {}

    // Records that a timer ran `late` after its due time.
    void record(std::chrono::steady_clock::duration late);

    // The smoothed lag.
    std::chrono::microseconds current() const {
        return std::chrono::microseconds(static_cast<long long>(lag_us_.load(std::memory_order_relaxed)));
    }

    // Returns the share of requests to shed: 0 up to the target, growing linearly to 1 at twice it.
    double shed_share() const;

    // Returns true when a request with the uniform draw `u` (0 <= u < 1) is to be shed.
    bool sheds(double u) const { return u < shed_share(); }

private:
    std::chrono::milliseconds target_;
    std::atomic<double> lag_us_{0};
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
