#include "moonkey/http/listener.hpp"

#include "moonkey/core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

#include <sys/socket.h>

namespace moonkey::http {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Connections over the limit get a 503 while fewer than this many refusals are in progress on the
// core (each takes at most about a second); beyond that they are closed at once.
constexpr unsigned max_refusing = 64;

}  // namespace

tcp::acceptor open_acceptor(asio::any_io_executor ex, tcp::endpoint endpoint) {
    tcp::acceptor acceptor(ex);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    acceptor.set_option(reuse_port(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor;
}

asio::awaitable<void> run_listener(tcp::acceptor& acceptor, router const& routes, core_services& services,
                                   session_limits limits, std::atomic<unsigned>& open_connections,
                                   unsigned max_connections) {
    auto ex = co_await asio::this_coro::executor;
    // Refusals in progress on this core (they outlive this loop, hence shared; one thread touches it).
    auto refusing = std::make_shared<unsigned>(0);
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        if (ec) {  // out of descriptors and the like: pause instead of spinning
            log::warn("accept failed", {{"error", ec.message()}});
            asio::steady_timer pause(ex, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        if (open_connections.fetch_add(1) >= max_connections) {
            open_connections.fetch_sub(1);
            if (*refusing >= max_refusing) {  // a flood: do not hold a descriptor for each one
                socket.close(ec);
                continue;
            }
            ++*refusing;
            asio::co_spawn(ex, refuse_session(std::move(socket), limits),
                           [refusing](std::exception_ptr) { --*refusing; });
            continue;
        }
        asio::co_spawn(ex, run_session(std::move(socket), routes, services, limits),
                       [&open_connections](std::exception_ptr failure) {
                           open_connections.fetch_sub(1);
                           if (!failure) return;
                           try {
                               std::rethrow_exception(failure);
                           } catch (std::exception const& e) {
                               log::error("session failed", {{"exception", e.what()}});
                           }
                       });
    }
}

}  // namespace moonkey::http
