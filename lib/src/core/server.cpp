#include "moonkey/core/server.hpp"

#include "moonkey/api/routes.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/core/log.hpp"
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

namespace {

struct core {
    asio::io_context io{1};
    std::optional<tcp::acceptor> acceptor;
    std::unique_ptr<core_services> services;
};

}  // namespace

struct server::impl {
    config cfg;
    repository& repo;
    unix_clock clock;
    http::router routes = api::make_routes();
    jwt_key_ring keys;
    std::atomic<bool> draining{false};
    std::atomic<bool> stopping{false};
    std::atomic<unsigned> open_connections{0};
    std::vector<std::unique_ptr<core>> cores;
    std::uint16_t port = 0;

    impl(config c, repository& r, unix_clock clk)
        : cfg(std::move(c)), repo(r), clock(std::move(clk)), keys(repo, cfg.secret, clock, jwt_key_ring::options{}) {
        for (unsigned i = 0; i < cfg.threads; ++i) {
            auto& c = *cores.emplace_back(std::make_unique<core>());
            c.services = std::make_unique<core_services>(c.io, cfg, repo, keys, clock, draining);
        }
    }

    // Keeps the JWT keys current (rotation, other instances' new keys) while the server runs.
    asio::awaitable<void> refresh_keys(core& c) {
        asio::steady_timer next(c.io);
        while (!stopping) {
            if (auto refreshed = co_await keys.refresh(); !refreshed)
                log::warn("jwt keys not refreshed", {{"error", refreshed.error().message}});
            next.expires_after(std::chrono::seconds(60));
            co_await next.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    http::session_limits limits() const {
        http::session_limits l;
        l.read_timeout = cfg.read_timeout;
        l.idle_timeout = cfg.idle_timeout;
        l.access_log = cfg.access_log;
        return l;
    }

    // Ends one core: wait the drain delay, stop accepting, hand queued messages to their providers.
    asio::awaitable<void> shut_down(core& c) {
        if (cfg.drain_delay.count() > 0) {
            asio::steady_timer delay(c.io, cfg.drain_delay);
            co_await delay.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        boost::system::error_code ignored;
        if (c.acceptor) c.acceptor->close(ignored);
        co_await c.services->stop();
        c.io.stop();
    }
};

server::server(config cfg, repository& repo, unix_clock clock)
    : impl_(std::make_unique<impl>(std::move(cfg), repo, std::move(clock))) {}

server::~server() = default;

std::uint16_t server::bind() {
    if (impl_->port) return impl_->port;
    auto address = asio::ip::make_address(impl_->cfg.listen_host);
    std::uint16_t port = impl_->cfg.listen_port;
    for (auto& c : impl_->cores) {
        c->acceptor.emplace(http::open_acceptor(c->io.get_executor(), tcp::endpoint(address, port)));
        port = c->acceptor->local_endpoint().port();  // port 0: the others join the one the first got
    }
    impl_->port = port;
    return port;
}

void server::run() {
    auto port = bind();
    auto& cores = impl_->cores;
    for (auto& c : cores) {
        c->services->start();
        asio::co_spawn(c->io,
                       http::run_listener(*c->acceptor, impl_->routes, *c->services, impl_->limits(),
                                          impl_->open_connections, impl_->cfg.max_connections),
                       asio::detached);
    }
    asio::co_spawn(cores.front()->io, impl_->refresh_keys(*cores.front()), asio::detached);
    asio::signal_set signals(cores.front()->io, SIGINT, SIGTERM);
    signals.async_wait([this](boost::system::error_code ec, int) {
        if (!ec) stop();
    });
    log::info("listening", {{"address", impl_->cfg.listen_host}, {"port", port}, {"threads", cores.size()}});

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < cores.size(); ++i) threads.emplace_back([&c = *cores[i]] { c.io.run(); });
    cores.front()->io.run();
    for (auto& t : threads) t.join();
    log::info("stopped");
}

void server::stop() {
    if (impl_->stopping.exchange(true)) return;
    impl_->draining = true;
    log::info("shutting down", {{"drain_delay_ms", impl_->cfg.drain_delay.count()}});
    for (auto& c : impl_->cores) asio::co_spawn(c->io, impl_->shut_down(*c), asio::detached);
}

}  // namespace moonkey
