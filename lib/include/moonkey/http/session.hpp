#pragma once
// One connection: read requests with limits and deadlines, answer them in order, keep alive.

#include "moonkey/http/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>

namespace moonkey::http {

struct session_limits {
    std::size_t header_limit = 8 * 1024;
    std::size_t body_limit = 64 * 1024;
    std::chrono::milliseconds read_timeout{10000};  // to receive a whole request once it has begun
    std::chrono::milliseconds idle_timeout{60000};  // between requests on a kept-alive connection
    bool access_log = true;
};

// Serves `socket` until the peer closes, a deadline passes or a request asks to close. A request
// that cannot be read or framed safely gets its 4xx and the connection closes.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, router const& routes,
                                         core_services& services, session_limits limits);

// Answers a connection over the server's connection limit: 503 service_unavailable with
// `Connection: close` and Retry-After, then closes, within about a second whatever the client does.
boost::asio::awaitable<void> refuse_session(boost::asio::ip::tcp::socket socket, session_limits limits);

}  // namespace moonkey::http
