#pragma once
// A small HTTP/1.1 client for one origin (scheme, host, port), used from one core's thread only: up
// to `max_connections` kept-alive connections (plain TCP, or TLS with SNI and the certificate checked
// against the system store and the host name), one deadline per request, at most `max_connections`
// requests in flight and a bounded queue of the ones waiting for a turn.

#include "moonkey/core/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace moonkey {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

// Where requests go: the scheme, host and port of a URL, and the rest of it as a request target.
struct http_origin {
    bool tls = false;
    std::string host;  // name or address, without IPv6 brackets
    std::uint16_t port = 0;
    std::string host_header;  // "host" or "host:port" (brackets kept) for the Host field
    std::string target;       // the URL's path and query, "/" when it has none
};

// Returns the origin of an http:// or https:// URL; invalid_request when the URL is malformed, has
// another scheme, no host, or user info.
outcome<http_origin> parse_http_origin(std::string_view url);

// Returns the delay a Retry-After value asks for: delay-seconds, or an HTTP-date relative to `now`
// (zero when in the past); nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

// Returns the delay the response's Retry-After field asks for, as parse_retry_after does; nullopt
// when it has none or an unreadable one.
std::optional<std::chrono::milliseconds> retry_after_of(http_response const& res,
                                                        std::chrono::system_clock::time_point now);

struct http_client_options {
    std::chrono::milliseconds timeout{10000};       // per request: connect, TLS, write and read
    std::chrono::milliseconds idle_timeout{30000};  // a connection idle longer is closed, not reused
    unsigned max_connections = 8;                   // also the number of requests in flight
    std::size_t max_waiting = 1024;                 // requests queued for a turn beyond those
    std::uint64_t body_limit = 1024 * 1024;         // largest response body accepted
    std::string ca_file;  // PEM certificates trusted besides the system store (tests)
};

class http_client {
public:
    http_client(boost::asio::any_io_executor ex, http_origin origin, http_client_options opts);
    ~http_client();
    http_client(http_client const&) = delete;
    http_client& operator=(http_client const&) = delete;

    // Sends `req` (Host, User-Agent, keep-alive and the payload size are filled in) and returns the
    // response, whatever its status. Fails with service_unavailable on a transport error, a timeout,
    // a full waiting queue or after stop(); too_many_requests when the turn did not come within the
    // timeout. A request that fails on a reused connection the server had closed is sent once more
    // on a new connection.
    boost::asio::awaitable<outcome<http_response>> request(http_request req);

    // Closes every connection and wakes every waiter; later requests fail.
    void stop();

    // Connections opened since construction (tests and metrics).
    std::size_t connections_opened() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace moonkey
