#include "moonkey/core/server.hpp"

#include "moonkey/api/routes.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/core/systemd_notifier.hpp"
#include "moonkey/http/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <thread>

namespace moonkey {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// How long a drain waits for requests in flight before it stops the core anyway.
constexpr auto in_flight_grace = 30s;

struct core {
    asio::io_context io{1};
    std::optional<tcp::acceptor> acceptor;
    std::unique_ptr<core_services> services;
    std::atomic<std::int64_t> heartbeat_ms{0};  // written by this core's loop, read by the watchdog
};

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

asio::awaitable<void> sleep_for(asio::io_context& io, std::chrono::steady_clock::duration d) {
    asio::steady_timer timer(io, d);
    co_await timer.async_wait(use_tuple);
}

}  // namespace

struct server::impl {
    config cfg;
    repository& repo;
    unix_clock clock;
    http::router routes = api::make_routes(cfg.metrics_host.empty());
    http::router metrics_routes = api::make_metrics_routes();
    metrics_registry registry;
    jwt_key_ring keys;
    systemd_notifier notifier;
    std::atomic<bool> draining{false};
    std::atomic<bool> stopping{false};
    std::atomic<unsigned> open_connections{0};
    std::vector<std::unique_ptr<core>> cores;
    std::optional<tcp::acceptor> metrics_acceptor;
    std::uint16_t port = 0;

    impl(config c, repository& r, unix_clock clk)
        : cfg(std::move(c)),
          repo(r),
          clock(std::move(clk)),
          registry(routes.patterns(), cfg.threads),
          keys(repo, cfg.secret, clock, jwt_key_ring::options{}) {
        for (unsigned i = 0; i < cfg.threads; ++i) {
            auto& c = *cores.emplace_back(std::make_unique<core>());
            c.services = std::make_unique<core_services>(c.io, cfg, repo, keys, registry, registry.core(i), clock,
                                                         draining);
        }
        registry.add_gauge("moonkey_loop_lag_seconds",
                           "How late the most behind core's loop runs what is ready (smoothed; load shedding).",
                           [this] {
                               std::chrono::microseconds most{0};
                               for (auto const& c : cores) most = std::max(most, c->services->loop_lag());
                               return std::chrono::duration<double>(most).count();
                           });
    }

    http::session_limits limits() const {
        http::session_limits l;
        l.read_timeout = cfg.read_timeout;
        l.idle_timeout = cfg.idle_timeout;
        l.access_log = cfg.access_log;
        return l;
    }

    // Keeps the JWT keys current (rotation, other instances' new keys) while the server runs.
    asio::awaitable<void> refresh_keys(core& c) {
        while (!stopping) {
            if (auto refreshed = co_await keys.refresh(); !refreshed)
                log::warn("jwt keys not refreshed", {{"error", refreshed.error().message}});
            co_await sleep_for(c.io, 60s);
        }
    }

    // READY=1 once the listeners are bound (they are, before this runs) and the database answers.
    asio::awaitable<void> announce_ready(core& c) {
        while (!stopping) {
            auto answered = co_await repo.ping();  // (named: GCC 12 mishandles co_await in a condition)
            if (answered) {
                notifier.ready();
                log::info("ready");
                co_return;
            }
            co_await sleep_for(c.io, 500ms);
        }
    }

    // Each core's loop stamps its heartbeat; a stuck loop stops stamping.
    asio::awaitable<void> beat(core& c, std::chrono::microseconds every) {
        while (!stopping) {
            c.heartbeat_ms = steady_ms();
            co_await sleep_for(c.io, every);
        }
    }

    // WATCHDOG=1 only while every core's heartbeat is fresh.
    asio::awaitable<void> watchdog(core& c, std::chrono::microseconds interval) {
        auto fresh_ms = std::chrono::duration_cast<std::chrono::milliseconds>(interval / 2).count();
        while (!stopping) {
            auto now = steady_ms();
            bool all_alive = std::all_of(cores.begin(), cores.end(),
                                         [&](auto const& other) { return now - other->heartbeat_ms <= fresh_ms; });
            if (all_alive) {
                notifier.watchdog();
            } else {
                log::error("a core's loop is stuck; withholding the watchdog ping");
            }
            co_await sleep_for(c.io, interval / 4);
        }
    }

    // Ends one core: serve through the drain delay, stop accepting, let requests in flight finish,
    // hand queued messages to their providers, then stop the loop.
    asio::awaitable<void> shut_down(core& c, bool first) {
        if (cfg.drain_delay.count() > 0) co_await sleep_for(c.io, cfg.drain_delay);
        boost::system::error_code ignored;
        if (c.acceptor) c.acceptor->close(ignored);
        if (first && metrics_acceptor) metrics_acceptor->close(ignored);
        auto deadline = std::chrono::steady_clock::now() + in_flight_grace;
        while (c.services->in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
            co_await sleep_for(c.io, 5ms);
        co_await c.services->stop();
        c.io.stop();
    }
};

server::server(config cfg, repository& repo, unix_clock clock)
    : impl_(std::make_unique<impl>(std::move(cfg), repo, std::move(clock))) {}

server::~server() = default;

metrics_registry& server::metrics() { return impl_->registry; }

std::uint16_t server::bind() {
    if (impl_->port) return impl_->port;
    auto address = asio::ip::make_address(impl_->cfg.listen_host);
    std::uint16_t port = impl_->cfg.listen_port;
    for (auto& c : impl_->cores) {
        c->acceptor.emplace(http::open_acceptor(c->io.get_executor(), tcp::endpoint(address, port)));
        port = c->acceptor->local_endpoint().port();  // port 0: the others join the one the first got
    }
    if (!impl_->cfg.metrics_host.empty()) {
        auto where = tcp::endpoint(asio::ip::make_address(impl_->cfg.metrics_host), impl_->cfg.metrics_port);
        impl_->metrics_acceptor.emplace(http::open_acceptor(impl_->cores.front()->io.get_executor(), where));
    }
    impl_->port = port;
    return port;
}

void server::run() {
    auto port = bind();
    auto& cores = impl_->cores;
    auto& first = *cores.front();
    for (auto& c : cores) {
        c->services->start();
        c->heartbeat_ms = steady_ms();
        asio::co_spawn(c->io,
                       http::run_listener(*c->acceptor, impl_->routes, *c->services, impl_->limits(),
                                          impl_->open_connections, impl_->cfg.max_connections),
                       asio::detached);
    }
    if (impl_->metrics_acceptor) {
        asio::co_spawn(first.io,
                       http::run_listener(*impl_->metrics_acceptor, impl_->metrics_routes, *first.services,
                                          impl_->limits(), impl_->open_connections, impl_->cfg.max_connections),
                       asio::detached);
    }
    asio::co_spawn(first.io, impl_->refresh_keys(first), asio::detached);
    asio::co_spawn(first.io, impl_->announce_ready(first), asio::detached);
    if (auto interval = impl_->notifier.watchdog_interval()) {
        for (auto& c : cores) asio::co_spawn(c->io, impl_->beat(*c, *interval / 4), asio::detached);
        asio::co_spawn(first.io, impl_->watchdog(first, *interval), asio::detached);
    }
    asio::signal_set signals(first.io, SIGINT, SIGTERM);
    signals.async_wait([this](boost::system::error_code ec, int) {
        if (!ec) stop();
    });
    log::info("listening", {{"address", impl_->cfg.listen_host}, {"port", port}, {"threads", cores.size()},
                            {"sms_provider", impl_->cfg.sms_provider}, {"email_provider", impl_->cfg.email_provider},
                            {"metrics", impl_->cfg.metrics_host.empty() ? "/metrics" : impl_->cfg.metrics_host}});

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < cores.size(); ++i) threads.emplace_back([&c = *cores[i]] { c.io.run(); });
    first.io.run();
    for (auto& t : threads) t.join();
    log::info("stopped");
}

void server::stop() {
    if (impl_->stopping.exchange(true)) return;
    impl_->draining = true;
    impl_->notifier.stopping();
    log::info("shutting down", {{"drain_delay_ms", impl_->cfg.drain_delay.count()}});
    for (std::size_t i = 0; i < impl_->cores.size(); ++i) {
        auto& c = *impl_->cores[i];
        asio::co_spawn(c.io, impl_->shut_down(c, i == 0), asio::detached);
    }
}

}  // namespace moonkey
