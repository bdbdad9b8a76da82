#include "moonkey/delivery/delivery_queue.hpp"

#include "moonkey/core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace moonkey {
namespace asio = boost::asio;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

delivery_queue::delivery_queue(asio::any_io_executor ex, repository& repo, provider& sms, provider& email,
                               unix_clock clock, options opts)
    : ex_(ex),
      repo_(repo),
      sms_(sms),
      email_(email),
      clock_(std::move(clock)),
      opts_(opts),
      wake_(ex, asio::steady_timer::time_point::max()),
      finished_(ex, asio::steady_timer::time_point::max()) {}

bool delivery_queue::enqueue(outbound_message m) {
    if (stopping_ || pending_.size() >= opts_.capacity) {
        log::warn("delivery queue full; the message waits for lease recovery", {{"message_id", m.id}});
        return false;
    }
    pending_.push_back(std::move(m));
    if (pending_.size() == 1 || pending_.size() >= opts_.batch_max) wake_.cancel();
    return true;
}

void delivery_queue::start() {
    running_ = true;
    asio::co_spawn(ex_, consume(), [this](std::exception_ptr failure) {
        if (failure) {
            try {
                std::rethrow_exception(failure);
            } catch (std::exception const& e) {
                log::error("delivery consumer failed", {{"exception", e.what()}});
            }
        }
        running_ = false;
        finished_.cancel();
    });
}

asio::awaitable<void> delivery_queue::stop() {
    stopping_ = true;
    wake_.cancel();
    if (running_) co_await finished_.async_wait(use_tuple);
}

asio::awaitable<void> delivery_queue::consume() {
    for (;;) {
        if (pending_.empty()) {
            if (stopping_) break;
            wake_.expires_at(asio::steady_timer::time_point::max());
            co_await wake_.async_wait(use_tuple);
            continue;
        }
        if (pending_.size() < opts_.batch_max && !stopping_) {  // linger so that a batch can form
            wake_.expires_after(opts_.batch_linger);
            co_await wake_.async_wait(use_tuple);
        }
        std::vector<outbound_message> batch;
        auto n = std::min(pending_.size(), opts_.batch_max);
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            batch.push_back(std::move(pending_.front()));
            pending_.pop_front();
        }
        co_await flush(std::move(batch));
    }
}

asio::awaitable<void> delivery_queue::flush(std::vector<outbound_message> batch) {
    std::vector<outbound_message> sms, email;
    for (auto& m : batch) (m.via == channel::sms ? sms : email).push_back(std::move(m));
    if (!sms.empty()) co_await send_via(sms_, sms);
    if (!email.empty()) co_await send_via(email_, email);
}

asio::awaitable<void> delivery_queue::send_via(provider& p, std::vector<outbound_message> const& batch) {
    auto sent = co_await p.send(batch);
    if (!sent) {
        log::warn("delivery failed; the batch waits for lease recovery",
                  {{"provider", p.name()}, {"messages", batch.size()}, {"error", sent.error().message}});
        co_return;
    }
    std::vector<std::string> ids;
    ids.reserve(batch.size());
    for (auto const& m : batch) ids.push_back(m.id);
    auto marked = co_await repo_.mark_sent(std::move(ids), clock_());
    if (!marked) log::warn("could not mark a batch sent", {{"messages", batch.size()}, {"error", marked.error().message}});
}

}  // namespace moonkey
