#include "moonkey/domain/periodic_purge.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/spawn_logged.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace moonkey {
namespace asio = boost::asio;

periodic_purge::periodic_purge(asio::any_io_executor ex, repository& repo, unix_clock clock, options opts)
    : repo_(repo), clock_(std::move(clock)), opts_(opts), timer_(ex) {}

void periodic_purge::start() {
    spawn_logged(timer_.get_executor(), run(), "periodic purge");
}

void periodic_purge::stop() {
    stopping_ = true;
    timer_.cancel();
}

template <class Step>
asio::awaitable<std::size_t> periodic_purge::drain(Step step) {
    std::size_t total = 0;
    while (!stopping_) {
        auto purged = co_await step(opts_.batch);
        if (!purged) break;  // the database is away or busy; the next round tries again
        total += *purged;
        if (*purged < opts_.batch) break;
    }
    co_return total;
}

asio::awaitable<std::size_t> periodic_purge::purge_once() {
    auto const now = clock_();
    auto total = co_await drain([&](unsigned batch) { return repo_.purge_limit_counters(now, batch); });
    if (opts_.outbox_retention.count() > 0) {
        auto const done_before = now - opts_.outbox_retention.count();
        total += co_await drain([&](unsigned batch) { return repo_.purge_outbox(done_before, batch); });
    }
    co_return total;
}

asio::awaitable<void> periodic_purge::run() {
    while (!stopping_) {
        // Spread over the interval, so that the cores of several instances do not purge at once.
        auto jitter = std::chrono::milliseconds(crypto::random_below(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(opts_.interval).count())));
        timer_.expires_after(opts_.interval / 2 + jitter);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (stopping_) break;
        co_await purge_once();
    }
}

}  // namespace moonkey
