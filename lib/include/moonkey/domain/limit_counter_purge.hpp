#pragma once
// Deletes abuse-limit counters that hold nothing any more (their longest window has passed), so the
// counters table stays as large as the recent traffic, not as the whole history. One per core.

#include "moonkey/core/clock.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace moonkey {

class limit_counter_purge {
public:
    struct options {
        std::chrono::seconds interval{60};
        unsigned batch = 1000;  // rows per DELETE, so that no statement holds locks for long
    };

    limit_counter_purge(boost::asio::any_io_executor ex, repository& repo, unix_clock clock, options opts);

    void start();
    void stop();

    // Purges until a round finds less than a batch; returns how many rows went.
    boost::asio::awaitable<std::size_t> purge_once();

private:
    boost::asio::awaitable<void> run();

    repository& repo_;
    unix_clock clock_;
    options opts_;
    boost::asio::steady_timer timer_;
    bool stopping_ = false;
};

}  // namespace moonkey
