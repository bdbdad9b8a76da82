#include "moonkey/delivery/sent_marker.hpp"

#include "moonkey/core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace moonkey {
namespace asio = boost::asio;
using steady = mark_coalescer::clock;

sent_marker::sent_marker(asio::any_io_executor ex, repository& repo, unix_clock clock,
                         mark_coalescer::options opts)
    : repo_(repo),
      clock_(std::move(clock)),
      marks_(opts),
      wake_(ex, steady::time_point::max()),
      finished_(ex, steady::time_point::max()) {}

void sent_marker::mark(std::vector<std::string> ids) {
    bool was_empty = marks_.size() == 0;
    marks_.add(std::move(ids), steady::now());
    if (was_empty || marks_.due_by_size()) wake_.cancel();
}

void sent_marker::start() {
    running_ = true;
    asio::co_spawn(wake_.get_executor(), run(), [this](std::exception_ptr failure) {
        if (failure) {
            try {
                std::rethrow_exception(failure);
            } catch (std::exception const& e) {
                log::error("delivery mark writer failed", {{"exception", e.what()}});
            }
        }
        running_ = false;
        finished_.cancel();
    });
}

asio::awaitable<void> sent_marker::stop() {
    stopping_ = true;
    wake_.cancel();
    if (running_) co_await finished_.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> sent_marker::run() {
    for (;;) {
        auto decision = marks_.next(steady::now(), stopping_);
        if (decision.write) {
            auto ids = marks_.take();
            ++statements_;
            marked_ += ids.size();
            auto count = ids.size();
            auto written = co_await repo_.mark_sent(std::move(ids), clock_());
            if (!written)
                log::warn("could not mark messages sent; lease recovery sends them again",
                          {{"messages", count}, {"error", written.error().message}});
            continue;
        }
        if (stopping_) break;
        wake_.expires_at(decision.wake_at);
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    log::debug("delivery marks written", {{"statements", statements_}, {"messages", marked_}});
}

}  // namespace moonkey
