#include "moonkey/http/session.hpp"

#include "moonkey/core/core_services.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/http/connection_deadline.hpp"
#include "moonkey/http/dispatch.hpp"
#include "moonkey/http/error_response.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>

namespace moonkey::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// How long a connection closed after an error answer (or refused) waits for the client's leftovers.
constexpr std::chrono::milliseconds linger_time{1000};
constexpr std::size_t linger_bytes = 64 * 1024;

// Returns why the request's framing cannot be trusted, or "" when it can. Beast itself refuses a
// Content-Length after chunked, Transfer-Encoding after Content-Length and conflicting lengths; this
// adds the rest of RFC 9112 §6.1: Transfer-Encoding before Content-Length, and any coding other than
// chunked, after which Beast would read no body and take the body's bytes for the next request. A
// proxy in front reading the message differently is how requests are smuggled, so both are 400.
std::string framing_problem(request const& req) {
    if (req.count(beast_http::field::transfer_encoding) == 0) return {};
    if (req.count(beast_http::field::content_length) > 0)
        return "send either Content-Length or Transfer-Encoding, not both";
    if (req.count(beast_http::field::transfer_encoding) > 1 ||
        !beast::iequals(req[beast_http::field::transfer_encoding], "chunked"))
        return "the only Transfer-Encoding accepted is chunked";
    return {};
}

// Closes after an error answer without losing it: closing with request bytes unread makes the kernel
// send a reset, which can destroy the answer before the client reads it. So stop sending, then
// discard what the client still sends, for at most linger_time and linger_bytes.
asio::awaitable<void> close_gracefully(tcp::socket& socket, connection_deadline& deadline) {
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    deadline.expires_after(linger_time);
    std::array<char, 4096> scratch;
    for (std::size_t discarded = 0; discarded < linger_bytes;) {
        auto [read_ec, n] = co_await socket.async_read_some(asio::buffer(scratch), use_tuple);
        if (read_ec) break;
        discarded += n;
    }
    deadline.stop();
    socket.close(ec);
}

using request_parser = beast_http::request_parser<beast_http::string_body>;

enum class part { head, whole };

// Feeds `parser` what `buffer` already holds, as Beast's reads do before they read the socket, so that
// a request received whole (the usual case, and every pipelined one) costs no asynchronous read: those
// complete through the loop even when they have nothing to wait for. Returns true once the head (or
// the whole message) is parsed; false when that needs bytes not received yet (what was parsed stays
// parsed: async_read_header or async_read continues from there) or when the bytes are refused (`ec`,
// the error the asynchronous read would have given).
bool parse_buffered(request_parser& parser, beast::flat_buffer& buffer, part wanted, beast::error_code& ec) {
    parser.eager(wanted == part::whole);  // as async_read (eager) and async_read_header (not) set it
    auto const done = [&] { return wanted == part::whole ? parser.is_done() : parser.is_header_done(); };
    while (!done() && buffer.size() != 0) {
        auto const used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == beast_http::error::need_more) ec = {};
        if (ec || used == 0) break;
    }
    return !ec && done();
}

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
                std::chrono::steady_clock::time_point started, std::chrono::steady_clock::time_point finished) {
    if (!limits.access_log || !log::enabled(log::level::info)) return;
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(finished - started);
    log::info("request", {{"request_id", result.res["X-Request-Id"]},
                          {"method", beast_http::to_string(req.method())},
                          {"route", result.route},
                          {"status", result.res.result_int()},
                          {"duration_us", elapsed.count()}});
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, router const& routes, core_services& services,
                                  session_limits limits) {
    beast::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    std::string peer_address = ec ? std::string() : peer.address().to_string();
    connection_deadline deadline(socket);
    beast::flat_buffer buffer(limits.header_limit + limits.body_limit);

    for (;;) {
        if (buffer.size() == 0) {  // idle between requests: wait for the first byte
            deadline.expires_after(limits.idle_timeout);
            auto [read_ec, n] = co_await socket.async_read_some(buffer.prepare(4096), use_tuple);
            if (read_ec) break;
            buffer.commit(n);
        }
        request_parser parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
        parser.body_limit(limits.body_limit);
        // One deadline for the whole request, head and body: a client trickling bytes gains nothing.
        deadline.expires_after(limits.read_timeout);
        beast::error_code head_ec;
        if (!parse_buffered(parser, buffer, part::head, head_ec) && !head_ec) {
            auto [read_ec, n] = co_await beast_http::async_read_header(socket, buffer, parser, use_tuple);
            head_ec = read_ec;
        }
        std::optional<response> refusal;
        if (head_ec) {
            refusal = answer_read_failure(head_ec, request_id_of(parser.get()));
            if (!refusal) break;
        } else if (auto problem = framing_problem(parser.get()); !problem.empty()) {
            refusal = error_response(fail(errc::invalid_request, problem), request_id_of(parser.get()));
        } else {
            beast::error_code body_ec;
            if (!parse_buffered(parser, buffer, part::whole, body_ec) && !body_ec) {
                auto [read_ec, n] = co_await beast_http::async_read(socket, buffer, parser, use_tuple);
                body_ec = read_ec;
            }
            if (body_ec) refusal = answer_read_failure(body_ec, request_id_of(parser.get()));
            if (body_ec && !refusal) break;
        }
        if (refusal) {  // the rest of the stream cannot be trusted: answer, then close
            refusal->keep_alive(false);
            deadline.expires_after(limits.read_timeout);
            co_await beast_http::async_write(socket, *refusal, use_tuple);
            co_await close_gracefully(socket, deadline);
            co_return;
        }
        deadline.disarm();  // no bound on the handler itself (its own calls have theirs)
        auto started = std::chrono::steady_clock::now();
        auto const& req = parser.get();
        services.request_started();
        auto result = co_await dispatch(routes, req, services, peer_address);
        // While draining, connections close after their current request so that clients move on.
        result.res.keep_alive(req.keep_alive() && !services.draining());
        auto const finished = std::chrono::steady_clock::now();
        services.request_finished(result.route, result.res.result_int(), finished - started);
        log_access(limits, result, req, started, finished);
        deadline.expires_at(finished + limits.read_timeout);
        auto [write_ec, written] = co_await beast_http::async_write(socket, result.res, use_tuple);
        if (write_ec || !result.res.keep_alive()) break;
    }
    deadline.stop();
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
}

asio::awaitable<void> refuse_session(tcp::socket socket, session_limits limits) {
    connection_deadline deadline(socket);
    auto answer = error_response(
        fail(errc::service_unavailable, "the server is at its connection limit; retry shortly or on another instance"),
        request_id_of(request{}));
    answer.keep_alive(false);
    deadline.expires_after(std::min(limits.read_timeout, linger_time));
    co_await beast_http::async_write(socket, answer, use_tuple);
    co_await close_gracefully(socket, deadline);
}

}  // namespace moonkey::http
