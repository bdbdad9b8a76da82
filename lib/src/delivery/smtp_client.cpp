#include "moonkey/delivery/smtp_client.hpp"

#include "moonkey/core/crypto.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>

namespace moonkey {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_reply = 4096;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x))
                      == std::toupper(static_cast<unsigned char>(y));
           });
}

boost::system::result<bool> malformed() {
    return {boost::system::in_place_error, error_code(asio::error::invalid_argument)};
}

// Parses one reply line (without its line end) into `reply`; returns whether it was the last line.
boost::system::result<bool> parse_line(std::string_view line, smtp_reply& reply) {
    if (line.size() < 3
        || !std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; })
        || line[0] < '2' || line[0] > '5') {
        return malformed();
    }
    int const code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (reply.code != 0 && reply.code != code) return malformed();
    reply.code = code;
    bool const last = line.size() == 3 || line[3] == ' ';
    if (!last && line[3] != '-') return malformed();
    reply.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    return last;
}

std::string_view strip_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

bool is_ip_address(std::string const& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

std::string smtp_reply::text() const {
    std::string out = std::to_string(code);
    for (auto const& line : lines) {
        out += ' ';
        out += line;
    }
    return out;
}

std::string smtp_dot_stuff(std::string_view body) {
    std::string out;
    out.reserve(body.size() + body.size() / 64 + 8);
    bool line_start = true;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char const c = body[i];
        if (line_start && c == '.') out += '.';
        if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') continue;  // the '\n' writes CRLF
        if (c == '\n' || c == '\r') {
            out += "\r\n";
            line_start = true;
            continue;
        }
        out += c;
        line_start = false;
    }
    if (!line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

smtp_result parse_smtp_reply(std::string_view text) {
    smtp_reply reply;
    while (!text.empty()) {
        auto const eol = text.find('\n');
        auto const line = strip_cr(text.substr(0, eol));
        auto last = parse_line(line, reply);
        if (!last) return last.error();
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (*last) {
            if (!text.empty()) return error_code(asio::error::invalid_argument);
            return reply;
        }
    }
    return error_code(asio::error::invalid_argument);
}

struct smtp_client::impl {
    impl(asio::any_io_executor ex, asio::ssl::context& tls, bool verify, std::chrono::milliseconds timeout)
        : stream(ex, tls),
          resolver(std::make_shared<tcp::resolver>(ex)),
          resolve_timer(ex),
          verify(verify),
          timeout(timeout) {}

    asio::ssl::stream<beast::tcp_stream> stream;
    std::shared_ptr<tcp::resolver> resolver;  // shared with the resolve deadline's handler
    asio::steady_timer resolve_timer;
    bool verify;
    std::chrono::milliseconds timeout;
    std::string host;
    bool tls = false;
    bool open = false;
    std::string in;                       // received bytes not yet parsed
    std::vector<std::string> extensions;  // EHLO lines after the greeting line

    beast::tcp_stream& tcp_layer() { return stream.next_layer(); }

    smtp_result broken(error_code ec) {
        close();
        return ec;
    }

    void close() {
        open = false;
        error_code ignored;
        tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
        tcp_layer().close();
    }

    asio::awaitable<error_code> write(std::string_view bytes) {
        tcp_layer().expires_after(timeout);
        error_code ec;
        if (tls) {
            std::tie(ec, std::ignore) = co_await asio::async_write(stream, asio::buffer(bytes), use_tuple);
        } else {
            std::tie(ec, std::ignore) =
                co_await asio::async_write(tcp_layer(), asio::buffer(bytes), use_tuple);
        }
        co_return ec;
    }

    // Reads one whole reply, at most `max_reply` bytes; closes the connection on any error or a 421.
    asio::awaitable<smtp_result> read_reply() {
        smtp_reply reply;
        std::size_t total = 0;
        tcp_layer().expires_after(timeout);
        for (;;) {
            auto buffer = asio::dynamic_buffer(in, max_reply - total);
            error_code ec;
            std::size_t n = 0;
            if (tls) {
                std::tie(ec, n) = co_await asio::async_read_until(stream, buffer, '\n', use_tuple);
            } else {
                std::tie(ec, n) = co_await asio::async_read_until(tcp_layer(), buffer, '\n', use_tuple);
            }
            if (ec == asio::error::not_found) ec = asio::error::message_size;
            if (ec) co_return broken(ec);
            total += n;
            auto last = parse_line(strip_cr(std::string_view(in).substr(0, n - 1)), reply);
            in.erase(0, n);
            if (!last) co_return broken(last.error());
            if (*last) break;
        }
        if (reply.code == 421) close();
        co_return reply;
    }

    asio::awaitable<error_code> handshake() {
        if (verify) {
            stream.set_verify_mode(asio::ssl::verify_peer);
            stream.set_verify_callback(asio::ssl::host_name_verification(host));
        } else {
            stream.set_verify_mode(asio::ssl::verify_none);
        }
        if (!is_ip_address(host)) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
        tcp_layer().expires_after(timeout);
        auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
        if (!ec) tls = true;
        co_return ec;
    }
};

smtp_client::smtp_client(asio::any_io_executor ex, asio::ssl::context& tls, bool verify_tls,
                         std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>(std::move(ex), tls, verify_tls, timeout)) {}

smtp_client::~smtp_client() = default;

asio::awaitable<smtp_result> smtp_client::connect(std::string host, std::string port, bool implicit_tls) {
    auto& d = *impl_;
    d.host = host;
    // The resolver runs on a background thread: its deadline is a timer that cancels it.
    d.resolve_timer.expires_after(d.timeout);
    d.resolve_timer.async_wait([weak = std::weak_ptr<tcp::resolver>(d.resolver)](error_code ec) {
        if (auto resolver = weak.lock(); resolver && !ec) resolver->cancel();
    });
    auto [resolve_ec, endpoints] = co_await d.resolver->async_resolve(host, port, use_tuple);
    d.resolve_timer.cancel();
    if (resolve_ec == asio::error::operation_aborted) resolve_ec = beast::error::timeout;
    if (resolve_ec) co_return d.broken(resolve_ec);

    d.tcp_layer().expires_after(d.timeout);
    auto [connect_ec, endpoint] = co_await d.tcp_layer().async_connect(endpoints, use_tuple);
    if (connect_ec) co_return d.broken(connect_ec);
    d.open = true;
    error_code ignored;
    d.tcp_layer().socket().set_option(tcp::no_delay(true), ignored);
    if (implicit_tls) {
        if (auto ec = co_await d.handshake()) co_return d.broken(ec);
    }
    co_return co_await d.read_reply();
}

asio::awaitable<smtp_result> smtp_client::command(std::string line) {
    auto& d = *impl_;
    if (!d.open) co_return error_code(asio::error::not_connected);
    line += "\r\n";
    if (auto ec = co_await d.write(line)) co_return d.broken(ec);
    co_return co_await d.read_reply();
}

asio::awaitable<smtp_result> smtp_client::ehlo(std::string name) {
    auto reply = co_await command("EHLO " + name);
    impl_->extensions.clear();
    if (reply && reply->code == 250 && reply->lines.size() > 1) {
        impl_->extensions.assign(reply->lines.begin() + 1, reply->lines.end());
    }
    co_return reply;
}

bool smtp_client::offers(std::string_view keyword) const {
    return std::any_of(impl_->extensions.begin(), impl_->extensions.end(), [&](std::string const& line) {
        return iequals(std::string_view(line).substr(0, line.find(' ')), keyword);
    });
}

bool smtp_client::offers_auth(std::string_view mechanism) const {
    for (auto const& line : impl_->extensions) {
        std::string_view rest = line;
        auto word = rest.substr(0, rest.find(' '));
        if (!iequals(word, "AUTH") && !iequals(word, "AUTH=")) continue;
        while (!rest.empty()) {
            auto const space = rest.find(' ');
            rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
            if (iequals(rest.substr(0, rest.find(' ')), mechanism)) return true;
        }
    }
    return false;
}

asio::awaitable<smtp_result> smtp_client::starttls() {
    auto& d = *impl_;
    auto reply = co_await command("STARTTLS");
    if (!reply || reply->code != 220) co_return reply;
    // Bytes sent before the handshake would be read as if they came over TLS (CVE-2011-0411).
    if (!d.in.empty()) co_return d.broken(make_error_code(boost::system::errc::protocol_error));
    if (auto ec = co_await d.handshake()) co_return d.broken(ec);
    d.extensions.clear();
    co_return reply;
}

asio::awaitable<smtp_result> smtp_client::auth(std::string user, std::string password) {
    if (offers_auth("PLAIN") || !offers_auth("LOGIN")) {
        std::string token;
        token.reserve(user.size() + password.size() + 2);
        token += '\0';
        token += user;
        token += '\0';
        token += password;
        co_return co_await command("AUTH PLAIN " + crypto::base64_encode(token));
    }
    auto reply = co_await command("AUTH LOGIN");
    if (!reply || reply->code != 334) co_return reply;
    reply = co_await command(crypto::base64_encode(user));
    if (!reply || reply->code != 334) co_return reply;
    co_return co_await command(crypto::base64_encode(password));
}

asio::awaitable<smtp_result> smtp_client::mail_from(std::string address, std::string params) {
    auto line = "MAIL FROM:<" + address + ">";
    if (!params.empty()) line += " " + params;
    co_return co_await command(std::move(line));
}

asio::awaitable<smtp_result> smtp_client::rcpt_to(std::string address) {
    co_return co_await command("RCPT TO:<" + address + ">");
}

asio::awaitable<smtp_result> smtp_client::data(std::string message) {
    auto& d = *impl_;
    auto reply = co_await command("DATA");
    if (!reply || reply->code != 354) co_return reply;
    if (auto ec = co_await d.write(smtp_dot_stuff(message))) co_return d.broken(ec);
    co_return co_await d.read_reply();
}

asio::awaitable<smtp_result> smtp_client::rset() {
    co_return co_await command("RSET");
}

asio::awaitable<smtp_result> smtp_client::noop() {
    co_return co_await command("NOOP");
}

asio::awaitable<void> smtp_client::quit() {
    if (impl_->open) co_await command("QUIT");
    impl_->close();
}

bool smtp_client::is_open() const {
    return impl_->open;
}

bool smtp_client::is_tls() const {
    return impl_->tls;
}

void smtp_client::close() {
    impl_->close();
}

}  // namespace moonkey
