#include "moonkey/delivery/outbox_recovery.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/core/spawn_logged.hpp"
#include "moonkey/domain/app_settings.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace moonkey {
namespace asio = boost::asio;

std::optional<outbound_message> message_of(claimed_message const& row, std::string_view secret) {
    auto code = crypto::open(secret, row.sealed_code);
    if (!code) return std::nullopt;
    auto settings = parse_app_settings(row.app_settings_json, row.owner.env);
    outbound_message m;
    m.id = row.id;
    m.owner = row.owner;
    m.via = row.via;
    m.to = row.to;
    m.code = std::move(*code);
    m.expires_at = row.expires_at;
    m.expires_in_minutes = static_cast<int>(std::max<std::int64_t>(1, (row.expires_at - row.created_at + 30) / 60));
    m.locale = row.locale;
    m.style = message_style_of(row.app_name, settings);
    m.attempts = row.attempts;
    m.lease_until = row.lease_until;
    return m;
}

outbox_recovery::outbox_recovery(asio::any_io_executor ex, repository& repo, delivery_queue& queue, std::string secret,
                                 unix_clock clock, options opts)
    : repo_(repo), queue_(queue), secret_(std::move(secret)), clock_(std::move(clock)), opts_(opts), timer_(ex) {}

void outbox_recovery::start() { spawn_logged(timer_.get_executor(), run(), "outbox recovery"); }

void outbox_recovery::stop() {
    stopping_ = true;
    timer_.cancel();
}

asio::awaitable<std::size_t> outbox_recovery::sweep() {
    if (queue_.full()) co_return 0;
    auto now = clock_();
    auto claimed = co_await repo_.claim_due_messages(now, now + opts_.lease.count(), opts_.claim_limit);
    if (!claimed) co_return 0;  // the database is away; the next sweep tries again
    std::size_t queued = 0;
    std::vector<failed_message> unopenable;
    for (auto const& row : *claimed) {
        auto m = message_of(row, secret_);
        if (!m) {
            unopenable.push_back({row.id, "the code cannot be opened with this server's secret"});
            continue;
        }
        if (queue_.enqueue(std::move(*m))) ++queued;
    }
    if (!unopenable.empty()) co_await repo_.mark_failed(std::move(unopenable), now);
    if (queued) log::info("outbox messages recovered", {{"messages", queued}});
    co_return queued;
}

asio::awaitable<void> outbox_recovery::run() {
    while (!stopping_) {
        co_await sweep();
        timer_.expires_after(opts_.interval);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace moonkey
