#pragma once
// Writes a core's "sent" marks to the outbox: the delivery queue hands over each batch's sent ids,
// and one writer coroutine marks them in one statement per mark_coalescer decision (one statement
// at a time, so marks that arrive while one is written join the next). A mark that cannot be
// written leaves its rows pending; lease recovery sends them again (delivery is at least once).
// Used from its core's thread only.

#include "moonkey/core/clock.hpp"
#include "moonkey/delivery/mark_coalescer.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>

namespace moonkey {

class sent_marker {
public:
    sent_marker(boost::asio::any_io_executor ex, repository& repo, unix_clock clock,
                mark_coalescer::options opts);

    // Queues one batch's sent ids; they are written within the coalescing interval.
    void mark(std::vector<std::string> ids);

    // Starts the writer on the executor.
    void start();

    // Writes everything queued (also what is queued meanwhile), then returns when the writer ended.
    boost::asio::awaitable<void> stop();

    // Statements written (successful or not) and ids in them, since start.
    std::uint64_t statements() const { return statements_; }
    std::uint64_t marked() const { return marked_; }

private:
    boost::asio::awaitable<void> run();

    repository& repo_;
    unix_clock clock_;
    mark_coalescer marks_;
    boost::asio::steady_timer wake_;
    boost::asio::steady_timer finished_;
    std::uint64_t statements_ = 0;
    std::uint64_t marked_ = 0;
    bool running_ = false;
    bool stopping_ = false;
};

}  // namespace moonkey
