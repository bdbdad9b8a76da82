#pragma once
// One SMTP connection (RFC 5321): connect (plain or implicit TLS), EHLO, STARTTLS, AUTH PLAIN or
// LOGIN, MAIL FROM / RCPT TO / DATA with dot-stuffing, RSET, NOOP, QUIT. Every step has a deadline;
// a reply longer than 4 KiB is refused. Used from one thread; one command at a time.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moonkey {

// A server reply: its three-digit code and its lines without the code ("250-8BITMIME" -> "8BITMIME").
struct smtp_reply {
    int code = 0;
    std::vector<std::string> lines;

    bool positive() const { return code >= 200 && code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500; }
    // Returns "550 5.1.1 no such user" (lines joined by a space), for logs and delivery results.
    std::string text() const;
};

// What a step returns: the server's reply (whatever its code), or a transport error: refused
// connection, TLS failure, timeout (boost::beast::error::timeout), closed connection, a reply over
// 4 KiB (boost::asio::error::message_size) or a malformed one (boost::asio::error::invalid_argument).
using smtp_result = boost::system::result<smtp_reply>;

// Returns `body` with CRLF line ends and a dot doubled at the start of each line, plus the
// terminating "." line: what goes on the wire after DATA.
std::string smtp_dot_stuff(std::string_view body);

// Returns the reply parsed from `text` (CRLF-separated lines); an error when malformed.
smtp_result parse_smtp_reply(std::string_view text);

class smtp_client {
public:
    // `tls` is used for implicit TLS and STARTTLS; it must outlive the client. `verify_tls` checks
    // the server certificate and its host name.
    smtp_client(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls, bool verify_tls,
                std::chrono::milliseconds timeout);
    ~smtp_client();
    smtp_client(smtp_client const&) = delete;
    smtp_client& operator=(smtp_client const&) = delete;

    // Resolves and connects, does the TLS handshake first when `implicit_tls`, and returns the greeting.
    boost::asio::awaitable<smtp_result> connect(std::string host, std::string port, bool implicit_tls);

    // Sends EHLO and records the extensions the server offers.
    boost::asio::awaitable<smtp_result> ehlo(std::string name);

    // Returns whether the last EHLO offered `keyword` ("STARTTLS", "AUTH", "SMTPUTF8"; any case).
    bool offers(std::string_view keyword) const;

    // Returns whether the last EHLO listed `mechanism` ("PLAIN") among its AUTH mechanisms.
    bool offers_auth(std::string_view mechanism) const;

    // Sends STARTTLS and, on 220, does the TLS handshake; EHLO must be sent again after it.
    boost::asio::awaitable<smtp_result> starttls();

    // Authenticates with PLAIN when offered, else LOGIN; returns the final reply (235 on success).
    boost::asio::awaitable<smtp_result> auth(std::string user, std::string password);

    boost::asio::awaitable<smtp_result> mail_from(std::string address, std::string params = {});
    boost::asio::awaitable<smtp_result> rcpt_to(std::string address);

    // Sends DATA; on 354 sends `message` (RFC 5322 text) dot-stuffed and returns the final reply,
    // else returns the refusal of DATA.
    boost::asio::awaitable<smtp_result> data(std::string message);

    boost::asio::awaitable<smtp_result> rset();
    boost::asio::awaitable<smtp_result> noop();

    // Sends QUIT, reads the reply and closes; errors are ignored.
    boost::asio::awaitable<void> quit();

    // Sends `line` + CRLF and returns the reply.
    boost::asio::awaitable<smtp_result> command(std::string line);

    // Returns false after a transport error, a 421 reply, quit() or close().
    bool is_open() const;
    bool is_tls() const;

    // Closes the socket at once.
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace moonkey
