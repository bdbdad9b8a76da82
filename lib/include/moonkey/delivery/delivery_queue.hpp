#pragma once
// One core's queue of committed messages. Producers enqueue and wake the consumer; the consumer
// coroutine takes what is waiting, up to batch_max or after batch_linger, sends it per provider and
// marks the batch sent in one statement. A message that cannot be queued or sent stays pending in
// the outbox, where lease recovery finds it. Used from its core's thread only.

#include "moonkey/core/clock.hpp"
#include "moonkey/delivery/message.hpp"
#include "moonkey/delivery/provider.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <vector>

namespace moonkey {

class delivery_queue {
public:
    struct options {
        std::size_t batch_max = 100;
        std::chrono::milliseconds batch_linger{5};
        std::size_t capacity = 10000;
    };

    delivery_queue(boost::asio::any_io_executor ex, repository& repo, provider& sms, provider& email,
                   unix_clock clock, options opts);

    // Queues a committed message; returns false when the queue is full or stopped.
    bool enqueue(outbound_message m);

    // Starts the consumer on the queue's executor.
    void start();

    // Sends what is queued, then ends the consumer; returns when it has ended.
    boost::asio::awaitable<void> stop();

    std::size_t depth() const { return pending_.size(); }

private:
    boost::asio::awaitable<void> consume();
    boost::asio::awaitable<void> flush(std::vector<outbound_message> batch);
    boost::asio::awaitable<void> send_via(provider& p, std::vector<outbound_message> const& batch);

    boost::asio::any_io_executor ex_;
    repository& repo_;
    provider& sms_;
    provider& email_;
    unix_clock clock_;
    options opts_;
    std::deque<outbound_message> pending_;
    boost::asio::steady_timer wake_;
    boost::asio::steady_timer finished_;
    bool running_ = false;
    bool stopping_ = false;
};

}  // namespace moonkey
