#pragma once
// One core's acceptor: SO_REUSEPORT on the shared port, a session coroutine per connection.

#include "moonkey/http/session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>

namespace moonkey::http {

// Returns an acceptor bound to `endpoint` with SO_REUSEPORT, listening. Throws system_error.
boost::asio::ip::tcp::acceptor open_acceptor(boost::asio::any_io_executor ex,
                                             boost::asio::ip::tcp::endpoint endpoint);

// Accepts until the acceptor is closed. Connections beyond `max_connections` (counted in
// `open_connections`, shared by every core) are answered 503 and closed (see refuse_session), or
// closed at once while a core already has many refusals in progress.
boost::asio::awaitable<void> run_listener(boost::asio::ip::tcp::acceptor& acceptor, router const& routes,
                                          core_services& services, session_limits limits,
                                          std::atomic<unsigned>& open_connections, unsigned max_connections);

}  // namespace moonkey::http
