#include "moonkey/core/loop_lag.hpp"

#include "moonkey/core/spawn_logged.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace moonkey {

namespace {

// Weight of the newest sample: with a sample every 5 ms the lag follows a change within ~25 ms,
// while one late timer (a page fault, a preemption) moves it by a fifth.
constexpr double newest_weight = 0.2;

}  // namespace

void loop_lag::record(clock::duration late) {
    auto const us = std::max(0.0, std::chrono::duration<double, std::micro>(late).count());
    auto const before = lag_us_.load(std::memory_order_relaxed);
    lag_us_.store(before + newest_weight * (us - before), std::memory_order_relaxed);
}

double loop_lag::shed_share(clock::time_point now) const {
    if (target_.count() <= 0) return 0;
    auto const target_us = std::chrono::duration<double, std::micro>(target_).count();
    auto const smoothed_us = lag_us_.load(std::memory_order_relaxed);
    auto const late_lately = smoothed_us >= target_us / 2;
    auto const overdue_us = late_lately && now > probe_due_
                                ? std::chrono::duration<double, std::micro>(now - probe_due_).count()
                                : 0.0;
    auto const lag_us = std::max(smoothed_us, overdue_us);
    return std::clamp((lag_us - target_us) / target_us, 0.0, 1.0);
}

loop_lag_probe::loop_lag_probe(boost::asio::any_io_executor ex, std::chrono::milliseconds interval,
                               loop_lag& lag)
    : interval_(interval), lag_(lag), timer_(std::move(ex)) {}

void loop_lag_probe::start() {
    if (interval_.count() > 0) spawn_logged(timer_.get_executor(), run(), "loop lag probe");
}

void loop_lag_probe::stop() {
    stopping_ = true;
    timer_.cancel();
    lag_.expect_probe(loop_lag::clock::time_point::max());  // none comes: the lag must not grow from here
}

boost::asio::awaitable<void> loop_lag_probe::run() {
    while (!stopping_) {
        auto const due = std::chrono::steady_clock::now() + interval_;
        timer_.expires_at(due);
        lag_.expect_probe(due);
        auto [ec] = co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (ec) break;
        lag_.record(std::chrono::steady_clock::now() - due);
    }
}

}  // namespace moonkey
