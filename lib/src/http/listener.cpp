#include "moonkey/http/listener.hpp"

#include "moonkey/core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

namespace moonkey::http {
namespace asio = boost::asio;
using asio::ip::tcp;

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
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        if (ec) {  // out of descriptors and the like: pause instead of spinning
            log::warn("accept failed", {{"error", ec.message()}});
            asio::steady_timer pause(ex, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (open_connections.fetch_add(1) >= max_connections) {
            open_connections.fetch_sub(1);
            socket.close(ec);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
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
