#pragma once
// Lease recovery: messages whose lease ran out (their instance crashed, was killed, or could not
// queue them) are claimed with SELECT … FOR UPDATE SKIP LOCKED by any running instance and handed
// to its delivery queue. One per core, each claiming a share.

#include "moonkey/core/clock.hpp"
#include "moonkey/delivery/delivery_queue.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace moonkey {

class outbox_recovery {
public:
    struct options {
        std::chrono::milliseconds interval{1000};
        std::chrono::seconds lease{30};
        unsigned claim_limit = 100;
    };

    outbox_recovery(boost::asio::any_io_executor ex, repository& repo, delivery_queue& queue, std::string secret,
                    unix_clock clock, options opts);

    void start();
    void stop();

    // Claims due messages once and queues them; returns how many were queued.
    boost::asio::awaitable<std::size_t> sweep();

private:
    boost::asio::awaitable<void> run();

    repository& repo_;
    delivery_queue& queue_;
    std::string secret_;
    unix_clock clock_;
    options opts_;
    boost::asio::steady_timer timer_;
    bool stopping_ = false;
};

// Returns the message of a claimed outbox row, or nullopt when its code cannot be opened.
std::optional<outbound_message> message_of(claimed_message const& row, std::string_view secret);

}  // namespace moonkey
