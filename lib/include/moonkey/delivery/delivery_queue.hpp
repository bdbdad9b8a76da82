#pragma once
// One core's queue of committed messages. Producers enqueue and wake the consumer; the consumer
// coroutine asks the batch_policy when to flush (each lane lingering as its adaptive_linger says),
// sends each channel's batch through its provider (at most `concurrency` batches in flight per
// provider), hands the sent ones to its sent_marker (which marks those of several batches in one
// statement), and schedules retries with backoff. A message this queue cannot take or finish stays
// pending in the outbox, where lease recovery finds it. Used from its core's thread only.

#include "moonkey/core/clock.hpp"
#include "moonkey/core/metrics.hpp"
#include "moonkey/delivery/adaptive_linger.hpp"
#include "moonkey/delivery/batch_policy.hpp"
#include "moonkey/delivery/message.hpp"
#include "moonkey/delivery/provider.hpp"
#include "moonkey/delivery/sent_marker.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <vector>

namespace moonkey {

class delivery_queue {
public:
    struct options {
        batch_policy::options policy;
        mark_coalescer::options marks;  // interval 0: each batch marks its own rows, in its own statement
        unsigned concurrency = 4;
        std::size_t capacity = 10000;
        std::chrono::seconds lease{30};
    };

    struct statistics {
        std::uint64_t batches = 0;
        std::uint64_t sent = 0;
        std::uint64_t failed = 0;
        std::uint64_t expired = 0;
        std::uint64_t retried = 0;
        std::size_t largest_batch = 0;
    };

    delivery_queue(boost::asio::any_io_executor ex, repository& repo, provider& sms, provider& email,
                   unix_clock clock, options opts);

    // Queues a committed message; returns false when the queue is full or stopping.
    bool enqueue(outbound_message m);

    // True when the next enqueue would be refused: callers answer 503 instead of committing more.
    bool full() const { return stopping_ || depth() >= opts_.capacity; }

    // Starts the consumer on the queue's executor.
    void start();

    // Sends what is ready, waits for batches in flight, writes every pending "sent" mark, hands
    // scheduled retries back to the outbox (their lease runs out and any instance claims them);
    // returns when the consumer and the mark writer have ended.
    boost::asio::awaitable<void> stop();

    // Messages waiting: ready, scheduled for retry, and in flight.
    std::size_t depth() const;

    statistics const& stats() const { return stats_; }

    // Records batches, outcomes, depth and the oldest waiting message there (nullptr: nowhere).
    void set_metrics(core_metrics* metrics) { metrics_ = metrics; }

private:
    struct waiting {
        outbound_message message;
        batch_policy::clock::time_point since;
    };
    struct lane {  // one channel: its provider, ready messages, how long they linger, batches in flight
        provider& out;
        adaptive_linger linger;
        std::deque<waiting> ready;
        unsigned in_flight = 0;
        std::size_t in_flight_messages = 0;
    };

    boost::asio::awaitable<void> consume();
    // Sends one batch and settles its messages. `in_flight` is how many of them still count in the
    // lane's in_flight_messages: send_batch takes them off once the provider has answered (a message
    // to retry counts in retries_ from then on), and the batch's completion takes off what is left.
    boost::asio::awaitable<void> send_batch(lane& l, std::vector<outbound_message> batch,
                                            std::shared_ptr<std::size_t> in_flight);
    void promote_due_retries(batch_policy::clock::time_point now);
    lane& lane_of(channel via) { return via == channel::sms ? sms_ : email_; }

    boost::asio::any_io_executor ex_;
    repository& repo_;
    unix_clock clock_;
    options opts_;
    batch_policy policy_;
    lane sms_;
    lane email_;
    sent_marker marker_;
    std::multimap<batch_policy::clock::time_point, outbound_message> retries_;
    boost::asio::steady_timer wake_;
    boost::asio::steady_timer finished_;
    std::minstd_rand random_;
    statistics stats_;
    core_metrics* metrics_ = nullptr;
    bool running_ = false;
    bool stopping_ = false;
};

}  // namespace moonkey
