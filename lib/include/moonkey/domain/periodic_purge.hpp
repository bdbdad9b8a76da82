#pragma once
// Deletes rows that hold nothing any more, so that tables stay as large as the recent traffic, not as
// the whole history: abuse-limit counters whose longest window has passed, and outbox messages done
// (sent, failed or expired) for longer than the retention. One per core.

#include "moonkey/core/clock.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace moonkey {

class periodic_purge {
public:
    struct options {
        std::chrono::seconds interval{60};
        unsigned batch = 1000;  // rows per DELETE, so that no statement holds locks for long
        std::chrono::seconds outbox_retention{86400};  // how long done messages stay; 0: for good
    };

    periodic_purge(boost::asio::any_io_executor ex, repository& repo, unix_clock clock, options opts);

    void start();
    void stop();

    // Purges each table until a round finds less than a batch; returns how many rows went.
    boost::asio::awaitable<std::size_t> purge_once();

private:
    boost::asio::awaitable<void> run();

    // Runs `step(batch)` until it deletes less than a batch or fails; returns how many rows went.
    template <class Step>
    boost::asio::awaitable<std::size_t> drain(Step step);

    repository& repo_;
    unix_clock clock_;
    options opts_;
    boost::asio::steady_timer timer_;
    bool stopping_ = false;
};

}  // namespace moonkey
