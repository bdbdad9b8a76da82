#include "moonkey/delivery/smtp_provider.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/delivery/message_text.hpp"
#include "moonkey/delivery/smtp_client.hpp"

#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>
#include <set>

namespace moonkey {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

struct mailbox {
    std::string display;  // may be empty
    std::string address;  // local@domain
};

struct server_config {
    bool implicit_tls = false;
    std::string host;
    std::string port;
    std::string user;
    std::string password;
    bool credentials = false;
};

bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool has_line_break(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Returns the address of "Name <a@b>", "\"Name\" <a@b>" or "a@b"; nullopt when there is none.
std::optional<mailbox> parse_mailbox(std::string_view text) {
    if (has_line_break(text)) return std::nullopt;
    mailbox out;
    auto const open = text.rfind('<');
    if (open == std::string_view::npos) {
        out.address = trim(text);
    } else {
        auto const close = text.find('>', open);
        if (close == std::string_view::npos) return std::nullopt;
        out.address = trim(text.substr(open + 1, close - open - 1));
        auto display = trim(text.substr(0, open));
        if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
            display = display.substr(1, display.size() - 2);
        }
        for (std::size_t i = 0; i < display.size(); ++i) {
            if (display[i] == '\\' && i + 1 < display.size()) ++i;
            out.display += display[i];
        }
    }
    auto const at = out.address.rfind('@');
    if (at == 0 || at == std::string::npos || at + 1 == out.address.size()
        || out.address.find_first_of("<>\" ,;") != std::string::npos) {
        return std::nullopt;
    }
    return out;
}

// The domain of `address` when it is a plain host name, for Message-ID; else "moonkey.invalid".
std::string message_id_host(std::string const& address) {
    auto host = address.substr(address.rfind('@') + 1);
    bool const plain = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
    return plain ? host : "moonkey.invalid";
}

// RFC 2047 "B" encoded-words of at most 75 characters, cut between UTF-8 characters, folded.
std::string encoded_words(std::string_view text) {
    std::string out;
    while (!text.empty()) {
        std::size_t n = std::min<std::size_t>(45, text.size());
        while (n < text.size() && n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;
        if (n == 0) n = std::min<std::size_t>(45, text.size());
        if (!out.empty()) out += "\r\n ";
        out += "=?utf-8?B?" + crypto::base64_encode(text.substr(0, n)) + "?=";
        text.remove_prefix(n);
    }
    return out;
}

// A header's unstructured text: as it is when short printable ASCII, else encoded-words.
std::string header_text(std::string_view text) {
    bool const plain = text.size() <= 900
                       && std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    return plain ? std::string(text) : encoded_words(text);
}

// Returns "Name <a@b>": the name as atoms when it can be, else quoted, else encoded-words.
std::string format_mailbox(mailbox const& box) {
    if (box.display.empty()) return box.address;
    if (!is_ascii(box.display) || box.display.size() > 200) {
        return encoded_words(box.display) + " <" + box.address + ">";
    }
    bool const atoms = std::all_of(box.display.begin(), box.display.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c))
               || std::string_view(" !#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
    });
    if (atoms && box.display.find("=?") == std::string::npos) return box.display + " <" + box.address + ">";
    std::string quoted = "\"";
    for (char c : box.display) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    return quoted + "\" <" + box.address + ">";
}

// Returns "Tue, 23 Nov 2026 17:26:24 +0000" (RFC 5322 date-time, UTC).
std::string rfc5322_date(std::time_t now) {
    static constexpr char const* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr char const* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

// Quoted-printable (RFC 2045 §6.7) with CRLF line ends and lines of at most 76 characters. A dot or
// "From " at the start of a line is encoded too, so no relay mangles it.
std::string quoted_printable(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 11 / 10 + 16);
    while (!text.empty()) {
        auto const eol = text.find('\n');
        auto line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::size_t width = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            auto const c = static_cast<unsigned char>(line[i]);
            bool const last = i + 1 == line.size();
            bool const literal = (c >= 33 && c <= 126 && c != '=' && !(i == 0 && c == '.')
                                  && !(i == 0 && c == 'F' && line.starts_with("From ")))
                                 || ((c == ' ' || c == '\t') && !last);
            std::size_t const need = literal ? 1 : 3;
            // A soft break ("=") must fit within 76 unless this is the line's last token.
            if (width + need > (last ? 76u : 75u)) {
                out += "=\r\n";
                width = 0;
            }
            if (literal) {
                out += static_cast<char>(c);
            } else {
                out += '=';
                out += hex[c >> 4];
                out += hex[c & 15];
            }
            width += need;
        }
        out += "\r\n";
    }
    return out;
}

std::string build_message(outbound_message const& m, mailbox const& from) {
    auto const boundary = "=_mk_" + crypto::random_base62(24);
    std::string out;
    out.reserve(8192);
    out += "Date: " + rfc5322_date(std::time(nullptr)) + "\r\n";
    out += "From: " + format_mailbox(from) + "\r\n";
    out += "To: " + m.to + "\r\n";
    out += "Subject: " + header_text(email_subject(m)) + "\r\n";
    out += "Message-ID: <" + m.id + "@" + message_id_host(from.address) + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "X-MoonKey-Message-Id: " + m.id + "\r\n";
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quoted_printable(email_text(m));
    out += "--" + boundary + "\r\nContent-Type: text/html; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quoted_printable(email_html(m));
    out += "--" + boundary + "--\r\n";
    return out;
}

// Returns the server of an smtp:// or smtps:// URL, or why the URL cannot be used.
boost::system::result<server_config, std::string> parse_server(std::string const& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return std::string("the SMTP URL is not a URL (expected smtp://user:pass@host:port)");
    auto const& u = *parsed;
    server_config s;
    std::string scheme(u.scheme());
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (scheme == "smtps") {
        s.implicit_tls = true;
    } else if (scheme != "smtp") {
        return std::string("the SMTP URL must start with smtp:// or smtps://");
    }
    s.host = u.host_address();
    if (s.host.empty()) return std::string("the SMTP URL has no host");
    s.port = u.has_port() ? std::string(u.port()) : (s.implicit_tls ? "465" : "25");
    if (u.has_userinfo()) {
        s.user = u.user();
        s.password = u.password();
        s.credentials = !s.user.empty();
    }
    return s;
}

// A failure while opening a connection: what every message of the batch becomes.
delivery_result transport_problem(std::string_view what, error_code ec) {
    auto why = std::string(what) + ": " + ec.message();
    if (ec.category() == asio::error::get_ssl_category()) return delivery_result::failed(std::move(why));
    return delivery_result::retry(std::move(why));
}

delivery_result refusal(std::string_view what, smtp_reply const& reply) {
    auto why = std::string(what) + ": " + reply.text();
    if (reply.permanent()) return delivery_result::failed(std::move(why));
    return delivery_result::retry(std::move(why));
}

// Lists a connection as in use (stop() closes it) for the guard's lifetime.
struct busy_guard {
    std::set<smtp_client*>& busy;
    smtp_client* c;
    busy_guard(std::set<smtp_client*>& busy, smtp_client* c) : busy(busy), c(c) {
        if (c) busy.insert(c);
    }
    ~busy_guard() { busy.erase(c); }
    busy_guard(busy_guard const&) = delete;
    busy_guard& operator=(busy_guard const&) = delete;
};

}  // namespace

struct smtp_provider::impl {
    impl(asio::any_io_executor ex, smtp_options opts) : ex(std::move(ex)), opts(std::move(opts)) {
        SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
        error_code ec;
        tls.set_default_verify_paths(ec);
        auto server_or = parse_server(this->opts.url);
        if (server_or) {
            server = std::move(*server_or);
        } else {
            config_error = server_or.error();
        }
        if (auto from = parse_mailbox(this->opts.from)) {
            default_from = std::move(*from);
        } else if (config_error.empty()) {
            config_error = "the SMTP sender '" + this->opts.from + "' is not an email address";
        }
        ehlo_name = asio::ip::host_name(ec);
        if (ec || ehlo_name.empty() || has_line_break(ehlo_name)) ehlo_name = "localhost";
    }

    asio::any_io_executor ex;
    smtp_options opts;
    asio::ssl::context tls{asio::ssl::context::tls_client};
    server_config server;
    std::string config_error;  // set when the options cannot work: every message fails
    mailbox default_from;
    std::string ehlo_name;
    std::vector<std::unique_ptr<smtp_client>> idle;  // open connections kept between batches
    std::set<smtp_client*> busy;                     // connections of batches in flight
    bool stopped = false;

    static constexpr std::size_t max_idle = 4;

    std::string where() const { return server.host + ":" + server.port; }

    // Opens and prepares a connection (EHLO, STARTTLS, AUTH), or says what every message becomes.
    asio::awaitable<delivery_result> open(smtp_client& c) {
        auto reply = co_await c.connect(server.host, server.port, server.implicit_tls);
        if (!reply)
            co_return transport_problem("cannot connect to the SMTP server " + where(), reply.error());
        if (reply->code != 220)
            co_return delivery_result::retry("the SMTP server refused the connection: " + reply->text());
        reply = co_await c.ehlo(ehlo_name);
        if (!reply) co_return transport_problem("the SMTP server closed the connection", reply.error());
        if (reply->code != 250) {
            if (server.credentials) co_return refusal("the SMTP server refused EHLO", *reply);
            reply = co_await c.command("HELO " + ehlo_name);
            if (!reply) co_return transport_problem("the SMTP server closed the connection", reply.error());
            if (reply->code != 250) co_return refusal("the SMTP server refused HELO", *reply);
            co_return delivery_result::sent();
        }
        if (!server.implicit_tls && c.offers("STARTTLS")) {
            reply = co_await c.starttls();
            if (!reply) co_return transport_problem("STARTTLS with the SMTP server failed", reply.error());
            if (reply->code != 220) co_return refusal("the SMTP server refused STARTTLS", *reply);
            reply = co_await c.ehlo(ehlo_name);
            if (!reply) co_return transport_problem("the SMTP server closed the connection", reply.error());
            if (reply->code != 250) co_return refusal("the SMTP server refused EHLO after STARTTLS", *reply);
        } else if (!server.implicit_tls && server.credentials) {
            co_return delivery_result::failed("the server does not offer STARTTLS");
        }
        if (server.credentials) {
            if (!c.offers("AUTH")) co_return delivery_result::failed("the server does not offer AUTH");
            reply = co_await c.auth(server.user, server.password);
            if (!reply) co_return transport_problem("AUTH with the SMTP server failed", reply.error());
            if (reply->code != 235) co_return refusal("the SMTP server refused the credentials", *reply);
        }
        co_return delivery_result::sent();
    }

    // Returns a ready connection: an idle one that answers NOOP, else a new one.
    asio::awaitable<std::unique_ptr<smtp_client>> acquire(delivery_result& problem) {
        while (!idle.empty()) {
            auto c = std::move(idle.back());
            idle.pop_back();
            smtp_result reply;
            {
                busy_guard guard{busy, c.get()};
                reply = co_await c->noop();
            }
            if (reply && reply->code == 250) co_return c;
            c->close();
        }
        auto c = std::make_unique<smtp_client>(ex, tls, opts.verify_tls, opts.timeout);
        {
            busy_guard guard{busy, c.get()};
            problem = co_await open(*c);
        }
        if (problem.what != delivery_result::outcome::sent) {
            log::warn("smtp connection failed", {{"server", where()}, {"reason", problem.reason}});
            co_return nullptr;
        }
        co_return c;
    }

    // The envelope of `m`, or why it cannot be sent anywhere.
    struct envelope {
        mailbox from;
        bool utf8 = false;
    };
    boost::system::result<envelope, std::string> envelope_of(outbound_message const& m) const {
        envelope e{default_from};
        if (!m.style.email_from.empty()) {
            auto app_from = parse_mailbox(m.style.email_from);
            if (!app_from) return std::string("the app's email_from is not an email address");
            e.from = std::move(*app_from);
        }
        auto to = parse_mailbox(m.to);
        if (!to || !to->display.empty() || to->address != m.to) {
            return std::string("the recipient is not an email address");
        }
        e.utf8 = !is_ascii(e.from.address) || !is_ascii(m.to);
        return e;
    }

    asio::awaitable<delivery_result> send_one(smtp_client& c, outbound_message const& m, envelope const& e) {
        std::string params;
        if (e.utf8) {
            if (!c.offers("SMTPUTF8")) {
                co_return delivery_result::failed(
                    "the SMTP server does not accept non-ASCII addresses (SMTPUTF8)");
            }
            params = "SMTPUTF8";
        }
        auto reply = co_await c.mail_from(e.from.address, params);
        if (!reply)
            co_return delivery_result::retry("SMTP connection lost at MAIL FROM: " + reply.error().message());
        if (reply->code != 250) co_return co_await refused(c, m, "the SMTP server refused MAIL FROM", *reply);
        reply = co_await c.rcpt_to(m.to);
        if (!reply)
            co_return delivery_result::retry("SMTP connection lost at RCPT TO: " + reply.error().message());
        if (reply->code != 250 && reply->code != 251) {
            co_return co_await refused(c, m, "the SMTP server refused the recipient", *reply);
        }
        reply = co_await c.data(build_message(m, e.from));
        if (!reply)
            co_return delivery_result::retry("SMTP connection lost at DATA: " + reply.error().message());
        if (reply->code == 354 || !reply->positive()) {
            co_return co_await refused(c, m, "the SMTP server refused the message", *reply);
        }
        co_return delivery_result::sent();
    }

    // A refused step: the message's result; RSET clears the transaction (a 4xx other than 421 keeps
    // the connection, which a failed RSET closes).
    asio::awaitable<delivery_result> refused(smtp_client& c, outbound_message const& m, std::string_view what,
                                             smtp_reply const& reply) {
        log::warn("smtp message refused",
                  {{"server", where()}, {"message_id", m.id}, {"reply", reply.text()}});
        if (c.is_open()) co_await c.rset();
        co_return refusal(what, reply);
    }
};

smtp_provider::smtp_provider(asio::any_io_executor ex, smtp_options opts)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(opts))) {}

smtp_provider::~smtp_provider() = default;

asio::awaitable<std::vector<delivery_result>> smtp_provider::send(std::span<outbound_message const> batch) {
    auto& d = *impl_;
    std::vector<delivery_result> results;
    results.reserve(batch.size());
    if (batch.empty()) co_return results;
    if (!d.config_error.empty()) {
        co_return std::vector<delivery_result>(batch.size(), delivery_result::failed(d.config_error));
    }
    if (d.stopped) {
        co_return std::vector<delivery_result>(batch.size(),
                                               delivery_result::retry("the SMTP provider is stopping"));
    }
    try {
        std::vector<boost::system::result<impl::envelope, std::string>> envelopes;
        envelopes.reserve(batch.size());
        for (auto const& m : batch) envelopes.push_back(d.envelope_of(m));
        std::unique_ptr<smtp_client> c;
        delivery_result problem;
        std::string lost;  // why the connection closed during the batch
        if (std::any_of(envelopes.begin(), envelopes.end(), [](auto const& e) { return e.has_value(); })) {
            c = co_await d.acquire(problem);
        }
        {
            busy_guard guard{d.busy, c.get()};
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (!envelopes[i]) {
                    results.push_back(delivery_result::failed(envelopes[i].error()));
                } else if (!c) {
                    results.push_back(problem);
                } else if (!c->is_open()) {
                    results.push_back(
                        delivery_result::retry("the SMTP connection closed earlier in the batch: " + lost));
                } else {
                    results.push_back(co_await d.send_one(*c, batch[i], *envelopes[i]));
                    if (!c->is_open()) lost = results.back().reason;
                }
            }
        }
        if (!c) co_return results;
        if (c->is_open() && !d.stopped && d.idle.size() < impl::max_idle) {
            d.idle.push_back(std::move(c));
        } else if (c->is_open()) {
            co_await c->quit();
        }
    } catch (std::exception const& e) {
        log::error("smtp provider failed", {{"error", e.what()}});
        while (results.size() < batch.size())
            results.push_back(delivery_result::retry("internal error in the SMTP provider"));
    }
    co_return results;
}

void smtp_provider::stop() {
    auto& d = *impl_;
    d.stopped = true;
    for (auto& c : d.idle) c->close();
    d.idle.clear();
    for (auto* c : d.busy) c->close();
}

}  // namespace moonkey
