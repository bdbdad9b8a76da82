#include "moonkey/http/session.hpp"

#include "moonkey/core/core_services.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/http/dispatch.hpp"
#include "moonkey/http/error_response.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace moonkey::http {
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Returns the answer for a request that could not be read whole, or nothing when the connection
// should simply close (peer gone, deadline passed).
std::optional<response> answer_read_failure(beast::error_code ec, std::string_view request_id) {
    if (ec == beast_http::error::body_limit)
        return error_response(fail(errc::payload_too_large, "the body is over 64 KiB; send a smaller request"),
                              request_id);
    if (ec == beast_http::error::header_limit)
        return error_response(fail(errc::header_too_large, "the request headers are over 8 KiB"), request_id);
    if (ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category() && ec != beast_http::error::end_of_stream &&
        ec != beast_http::error::partial_message)
        return error_response(fail(errc::invalid_request, "malformed HTTP request: " + ec.message()), request_id);
    return std::nullopt;
}

void log_access(session_limits const& limits, dispatch_result const& result, request const& req,
                std::chrono::steady_clock::time_point started) {
    if (!limits.access_log || !log::enabled(log::level::info)) return;
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    log::info("request", {{"request_id", result.res["X-Request-Id"]},
                          {"method", beast_http::to_string(req.method())},
                          {"route", result.route},
                          {"status", result.res.result_int()},
                          {"duration_us", elapsed.count()}});
}

}  // namespace

asio::awaitable<void> run_session(asio::ip::tcp::socket socket, router const& routes, core_services& services,
                                  session_limits limits) {
    beast::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    std::string peer_address = ec ? std::string() : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer(limits.header_limit + limits.body_limit);

    for (;;) {
        if (buffer.size() == 0) {  // idle between requests: wait for the first byte
            stream.expires_after(limits.idle_timeout);
            auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
            if (read_ec) break;
            buffer.commit(n);
        }
        beast_http::request_parser<beast_http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
        parser.body_limit(limits.body_limit);
        stream.expires_after(limits.read_timeout);
        auto [read_ec, n] = co_await beast_http::async_read(stream, buffer, parser, use_tuple);
        if (read_ec) {
            auto answer = answer_read_failure(read_ec, request_id_of(parser.get()));
            if (answer) {
                answer->keep_alive(false);
                stream.expires_after(limits.read_timeout);
                co_await beast_http::async_write(stream, *answer, use_tuple);
            }
            break;
        }
        auto started = std::chrono::steady_clock::now();
        auto const& req = parser.get();
        services.request_started();
        auto result = co_await dispatch(routes, req, services, peer_address);
        // While draining, connections close after their current request so that clients move on.
        result.res.keep_alive(req.keep_alive() && !services.draining());
        services.request_finished(result.route, result.res.result_int(), std::chrono::steady_clock::now() - started);
        log_access(limits, result, req, started);
        stream.expires_after(limits.read_timeout);
        auto [write_ec, written] = co_await beast_http::async_write(stream, result.res, use_tuple);
        if (write_ec || !result.res.keep_alive()) break;
    }
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    stream.close();
}

}  // namespace moonkey::http
