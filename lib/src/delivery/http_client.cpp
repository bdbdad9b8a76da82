#include "moonkey/delivery/http_client.hpp"

#include "moonkey/core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

#include <charconv>
#include <ctime>
#include <list>
#include <unordered_set>
#include <variant>

namespace moonkey {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

outcome<http_origin> parse_http_origin(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return fail(errc::invalid_request, "not a URL: " + std::string(url));
    http_origin origin;
    if (parsed->scheme_id() == boost::urls::scheme::https)
        origin.tls = true;
    else if (parsed->scheme_id() != boost::urls::scheme::http)
        return fail(errc::invalid_request, "the URL must start with http:// or https://");
    if (parsed->has_userinfo()) return fail(errc::invalid_request, "the URL must not carry user info");
    origin.host = parsed->host_address();
    if (origin.host.empty()) return fail(errc::invalid_request, "the URL has no host");
    std::uint16_t const default_port = origin.tls ? 443 : 80;
    origin.port = default_port;
    if (parsed->has_port()) {
        auto const text = parsed->port();
        unsigned port = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
        if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535)
            return fail(errc::invalid_request, "the URL's port is not valid");
        origin.port = static_cast<std::uint16_t>(port);
    }
    origin.host_header = parsed->encoded_host();
    if (origin.port != default_port) origin.host_header += ":" + std::to_string(origin.port);
    origin.target = parsed->encoded_path().empty() ? std::string("/") : std::string(parsed->encoded_path());
    if (parsed->has_query()) origin.target += "?" + std::string(parsed->encoded_query());
    return origin;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t seconds = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec == std::errc::result_out_of_range || seconds > 1'000'000'000) seconds = 1'000'000'000;
        return std::chrono::seconds(seconds);
    }
    // HTTP-date: IMF-fixdate, and the obsolete RFC 850 and asctime forms (RFC 9110 §5.6.7).
    std::string const text(value);
    for (char const* format :
         {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm tm{};
        char const* end = strptime(text.c_str(), format, &tm);
        if (!end || *end != '\0') continue;
        auto const at = std::chrono::system_clock::from_time_t(timegm(&tm));
        if (at <= now) return std::chrono::milliseconds(0);
        return std::chrono::ceil<std::chrono::milliseconds>(at - now);
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> retry_after_of(http_response const& res,
                                                        std::chrono::system_clock::time_point now) {
    auto it = res.find(bhttp::field::retry_after);
    if (it == res.end()) return std::nullopt;
    return parse_retry_after(it->value(), now);
}

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using steady = std::chrono::steady_clock;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

struct connection {
    explicit connection(asio::any_io_executor ex) : stream(std::in_place_type<beast::tcp_stream>, ex) {}
    connection(asio::any_io_executor ex, ssl::context& ctx)
        : stream(std::in_place_type<tls_stream>, ex, ctx) {}

    beast::tcp_stream& tcp_layer() {
        return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream);
    }
    void close() {
        beast::error_code ec;
        tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
        tcp_layer().close();
    }

    std::variant<beast::tcp_stream, tls_stream> stream;
    beast::flat_buffer buffer;
    steady::time_point idle_since;
};

// What one request/response exchange on one connection gave.
struct exchange_result {
    std::optional<http_response> response;
    beast::error_code ec;
    bool answer_started = false;  // some of the response arrived before the error
};

template <class Stream>
asio::awaitable<exchange_result> exchange(Stream& stream, beast::flat_buffer& buffer, http_request& req,
                                          steady::time_point deadline, std::uint64_t body_limit) {
    exchange_result result;
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [write_ec, written] = co_await bhttp::async_write(stream, req, use_tuple);
    if (write_ec) {
        result.ec = write_ec;
        co_return result;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(body_limit);
    auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (read_ec) {
        result.ec = read_ec;
        result.answer_started = parser.got_some();
        co_return result;
    }
    result.response = parser.release();
    co_return result;
}

// True when the error says the peer had closed the connection before this request reached it.
bool closed_by_peer(exchange_result const& r) {
    if (r.answer_started) return false;
    return r.ec == bhttp::error::end_of_stream || r.ec == asio::error::eof
           || r.ec == asio::error::connection_reset || r.ec == asio::error::broken_pipe
           || r.ec == asio::error::connection_aborted || r.ec == ssl::error::stream_truncated;
}

std::string describe(beast::error_code ec, std::chrono::milliseconds timeout) {
    if (ec == beast::error::timeout) return "timed out after " + std::to_string(timeout.count()) + " ms";
    return ec.message();
}

}  // namespace

struct http_client::impl {
    struct waiter {
        asio::steady_timer timer;
        bool granted = false;
    };

    impl(asio::any_io_executor e, http_origin o, http_client_options op)
        : ex(std::move(e)), origin(std::move(o)), opts(std::move(op)) {
        if (opts.max_connections == 0) opts.max_connections = 1;
        if (!origin.tls) return;
        tls.emplace(ssl::context::tls_client);
        beast::error_code ec;
        if (tls->set_default_verify_paths(ec); ec)
            log::warn("cannot load the system's trusted certificates", {{"error", ec.message()}});
        if (!opts.ca_file.empty()) {
            tls->load_verify_file(opts.ca_file, ec);
            if (ec) log::warn("cannot read the CA file", {{"file", opts.ca_file}, {"error", ec.message()}});
        }
        tls->set_verify_mode(ssl::verify_peer);
        SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    }

    // Waits for a turn to send; returns the error when none came (stopped, queue full, timed out).
    asio::awaitable<std::optional<error>> acquire() {
        if (in_flight < opts.max_connections && waiting.empty()) {
            ++in_flight;
            co_return std::nullopt;
        }
        if (waiting.size() >= opts.max_waiting)
            co_return fail(errc::service_unavailable, "too many requests waiting for " + origin.host);
        waiter w{asio::steady_timer(ex), false};
        w.timer.expires_after(opts.timeout);
        auto position = waiting.insert(waiting.end(), &w);
        co_await w.timer.async_wait(use_tuple);
        if (w.granted) co_return std::nullopt;  // the finishing request passed its turn on
        waiting.erase(position);
        if (stopped) co_return fail(errc::service_unavailable, "the HTTP client stopped");
        co_return fail(errc::too_many_requests, "no connection to " + origin.host + " came free within "
                                                    + std::to_string(opts.timeout.count()) + " ms");
    }

    void release() {
        if (!waiting.empty() && !stopped) {
            waiter* next = waiting.front();
            waiting.pop_front();
            next->granted = true;
            next->timer.cancel();
            return;
        }
        --in_flight;
    }

    // Returns a kept-alive connection that has not idled too long, or null.
    std::unique_ptr<connection> take_idle() {
        while (!idle.empty()) {
            auto conn = std::move(idle.back());
            idle.pop_back();
            if (steady::now() - conn->idle_since < opts.idle_timeout) return conn;
            conn->close();
        }
        return nullptr;
    }

    asio::awaitable<outcome<tcp::resolver::results_type>> resolve(steady::time_point deadline) {
        beast::error_code ec;
        auto address = asio::ip::make_address(origin.host, ec);
        if (!ec)
            co_return tcp::resolver::results_type::create(tcp::endpoint(address, origin.port), origin.host,
                                                          std::to_string(origin.port));
        auto resolver = std::make_shared<tcp::resolver>(ex);
        asio::steady_timer timer(ex, deadline);
        timer.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](beast::error_code wait_ec) {
            if (wait_ec) return;
            if (auto r = weak.lock()) r->cancel();
        });
        auto [resolve_ec, results] =
            co_await resolver->async_resolve(origin.host, std::to_string(origin.port), use_tuple);
        timer.cancel();
        if (resolve_ec == asio::error::operation_aborted)
            co_return fail(errc::service_unavailable, "resolving " + origin.host + " timed out");
        if (resolve_ec)
            co_return fail(errc::service_unavailable,
                           "cannot resolve " + origin.host + ": " + resolve_ec.message());
        co_return results;
    }

    // Connects `conn` (and shakes hands over TLS); returns the error when that fails.
    asio::awaitable<std::optional<error>> open(connection& conn, steady::time_point deadline) {
        auto endpoints = co_await resolve(deadline);
        if (!endpoints) co_return endpoints.error();
        auto& tcp_layer = conn.tcp_layer();
        tcp_layer.expires_at(deadline);
        auto [connect_ec, endpoint] = co_await tcp_layer.async_connect(*endpoints, use_tuple);
        if (connect_ec)
            co_return fail(errc::service_unavailable, "cannot connect to " + origin.host_header + ": "
                                                          + describe(connect_ec, opts.timeout));
        beast::error_code ignored;
        tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
        ++opened;
        auto* stream = std::get_if<tls_stream>(&conn.stream);
        if (!stream) co_return std::nullopt;
        beast::error_code not_an_address;
        asio::ip::make_address(origin.host, not_an_address);  // SNI carries names only
        if (not_an_address && !SSL_set_tlsext_host_name(stream->native_handle(), origin.host.c_str()))
            co_return fail(errc::service_unavailable, "cannot set the TLS server name " + origin.host);
        stream->set_verify_mode(ssl::verify_peer);
        stream->set_verify_callback(ssl::host_name_verification(origin.host));
        auto [handshake_ec] = co_await stream->async_handshake(ssl::stream_base::client, use_tuple);
        if (handshake_ec)
            co_return fail(errc::service_unavailable, "TLS handshake with " + origin.host_header + " failed: "
                                                          + describe(handshake_ec, opts.timeout));
        co_return std::nullopt;
    }

    // Sends on a kept-alive connection when there is one, once more on a new one when that one
    // turns out to have been closed by the server.
    asio::awaitable<outcome<http_response>> send(http_request& req) {
        auto const deadline = steady::now() + opts.timeout;
        for (int attempt = 0;; ++attempt) {
            std::unique_ptr<connection> conn = attempt == 0 ? take_idle() : nullptr;
            bool const reused = conn != nullptr;
            if (!conn) conn = tls ? std::make_unique<connection>(ex, *tls) : std::make_unique<connection>(ex);
            busy.insert(conn.get());  // stop() closes it
            if (!reused) {
                auto refused = co_await open(*conn, deadline);
                if (refused) {
                    busy.erase(conn.get());
                    conn->close();
                    if (stopped) co_return fail(errc::service_unavailable, "the HTTP client stopped");
                    co_return std::move(*refused);
                }
            }
            exchange_result result;
            if (auto* tls_layer = std::get_if<tls_stream>(&conn->stream))
                result = co_await exchange(*tls_layer, conn->buffer, req, deadline, opts.body_limit);
            else
                result = co_await exchange(std::get<beast::tcp_stream>(conn->stream), conn->buffer, req,
                                           deadline, opts.body_limit);
            busy.erase(conn.get());
            if (result.response) {
                if (result.response->keep_alive() && !stopped) {
                    conn->idle_since = steady::now();
                    idle.push_back(std::move(conn));
                } else {
                    conn->close();
                }
                co_return std::move(*result.response);
            }
            conn->close();
            if (reused && attempt == 0 && !stopped && closed_by_peer(result)) continue;
            if (stopped) co_return fail(errc::service_unavailable, "the HTTP client stopped");
            co_return fail(errc::service_unavailable,
                           origin.host_header + ": " + describe(result.ec, opts.timeout));
        }
    }

    asio::any_io_executor ex;
    http_origin origin;
    http_client_options opts;
    std::optional<ssl::context> tls;
    std::vector<std::unique_ptr<connection>> idle;  // the most recently used last
    std::unordered_set<connection*> busy;
    std::list<waiter*> waiting;
    unsigned in_flight = 0;
    std::size_t opened = 0;
    bool stopped = false;
};

http_client::http_client(asio::any_io_executor ex, http_origin origin, http_client_options opts)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(origin), std::move(opts))) {}

http_client::~http_client() = default;

asio::awaitable<outcome<http_response>> http_client::request(http_request req) {
    if (impl_->stopped) co_return fail(errc::service_unavailable, "the HTTP client stopped");
    auto refused = co_await impl_->acquire();
    if (refused) co_return std::move(*refused);
    if (req.find(bhttp::field::host) == req.end()) req.set(bhttp::field::host, impl_->origin.host_header);
    if (req.find(bhttp::field::user_agent) == req.end()) req.set(bhttp::field::user_agent, "moonkey");
    req.keep_alive(true);
    req.prepare_payload();
    auto result = co_await impl_->send(req);
    impl_->release();
    co_return result;
}

void http_client::stop() {
    impl_->stopped = true;
    for (auto& conn : impl_->idle) conn->close();
    impl_->idle.clear();
    for (auto* conn : impl_->busy) conn->close();
    for (auto* w : impl_->waiting) w->timer.cancel();
}

std::size_t http_client::connections_opened() const {
    return impl_->opened;
}

}  // namespace moonkey
