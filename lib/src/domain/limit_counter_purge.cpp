#include "moonkey/domain/limit_counter_purge.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/spawn_logged.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace moonkey {
namespace asio = boost::asio;

limit_counter_purge::limit_counter_purge(asio::any_io_executor ex, repository& repo, unix_clock clock, options opts)
    : repo_(repo), clock_(std::move(clock)), opts_(opts), timer_(ex) {}

void limit_counter_purge::start() { spawn_logged(timer_.get_executor(), run(), "limit counter purge"); }

void limit_counter_purge::stop() {
    stopping_ = true;
    timer_.cancel();
}

asio::awaitable<std::size_t> limit_counter_purge::purge_once() {
    std::size_t total = 0;
    while (!stopping_) {
        auto purged = co_await repo_.purge_limit_counters(clock_(), opts_.batch);
        if (!purged) break;  // the database is away; the next round tries again
        total += *purged;
        if (*purged < opts_.batch) break;
    }
    co_return total;
}

asio::awaitable<void> limit_counter_purge::run() {
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
