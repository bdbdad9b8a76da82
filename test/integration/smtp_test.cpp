// The SMTP provider against a real SMTP server: test/tools/smtp_sink.py (aiosmtpd), started per test
// case. The sink writes every message it accepts as raw bytes plus a JSON side file; the tests parse
// both (the JSON holds Python's own reading of the message, an independent MIME decoder).

#include "moonkey/delivery/message_text.hpp"
#include "moonkey/delivery/smtp_client.hpp"
#include "moonkey/delivery/smtp_provider.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace moonkey;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;
using outcome_t = delivery_result::outcome;

namespace {

// Runs the coroutine `make()` returns on `io`; fails the test with "did not finish in time" after `limit`.
template <class Make>
void run_coro(asio::io_context& io, Make make, std::chrono::steady_clock::duration limit = 20s) {
    bool done = false;
    std::exception_ptr failure;
    io.restart();
    asio::co_spawn(io, make(), [&](std::exception_ptr e) {
        done = true;
        failure = e;
    });
    io.run_for(limit);
    if (!done) BOOST_FAIL("did not finish in time");
    if (failure) std::rethrow_exception(failure);
}

std::string read_file(fs::path const& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// A temporary directory, removed with everything in it (kept when MK_TEST_KEEP_TMP is set).
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "moonkey-smtp-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~temp_dir() {
        if (std::getenv("MK_TEST_KEEP_TMP")) {  // to read what the sink received
            BOOST_TEST_MESSAGE("kept " << path);
            return;
        }
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

// test/tools/smtp_sink.py as a child process: started with `args`, stopped by the destructor.
class sink_process {
public:
    explicit sink_process(std::vector<std::string> args) {
        std::vector<std::string> argv_text{"/usr/bin/python3", MOONKEY_SOURCE_DIR "/test/tools/smtp_sink.py"};
        argv_text.insert(argv_text.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_text) argv.push_back(a.data());
        argv.push_back(nullptr);
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        int const rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        out_ = fds[0];
        if (rc != 0) {
            close(out_);
            throw std::runtime_error("cannot start /usr/bin/python3 for smtp_sink.py");
        }
        try {
            port_ = read_port(10s);
        } catch (...) {
            stop();
            throw;
        }
    }
    ~sink_process() { stop(); }
    sink_process(sink_process const&) = delete;
    sink_process& operator=(sink_process const&) = delete;

    int port() const { return port_; }

    // Stops the sink (SIGTERM, then SIGKILL after 5 s) and waits for it.
    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            auto const give_up = std::chrono::steady_clock::now() + 5s;
            int status = 0;
            while (waitpid(pid_, &status, WNOHANG) == 0) {
                if (std::chrono::steady_clock::now() > give_up) {
                    kill(pid_, SIGKILL);
                    waitpid(pid_, &status, 0);
                    break;
                }
                std::this_thread::sleep_for(10ms);
            }
            pid_ = -1;
        }
        if (out_ >= 0) close(out_);
        out_ = -1;
    }

private:
    int read_port(std::chrono::milliseconds limit) {
        auto const deadline = std::chrono::steady_clock::now() + limit;
        std::string line;
        while (line.find('\n') == std::string::npos) {
            auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{out_, POLLIN, 0};
            if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) == 0) {
                throw std::runtime_error("smtp_sink.py did not print its port within "
                                         + std::to_string(limit.count()) + " ms");
            }
            char buf[256];
            auto const n = read(out_, buf, sizeof buf);
            if (n <= 0) {
                throw std::runtime_error(
                    "smtp_sink.py exited before printing its port "
                    "(is python3-aiosmtpd installed? see its stderr above)");
            }
            line.append(buf, static_cast<std::size_t>(n));
        }
        return std::stoi(line);
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int port_ = 0;
};

// A message as received: the raw file read by hand, and the sink's JSON (Python's reading).
struct received {
    std::string raw;
    std::map<std::string, std::string> headers;              // lower-case names, unfolded values
    std::vector<std::pair<std::string, std::string>> parts;  // content type, decoded body
    json::object info;
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
        } else if (in.substr(i + 1, 2) == "\r\n") {
            i += 2;
        } else {
            out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        }
    }
    return out;
}

// Splits "headers CRLF CRLF body" and unfolds the headers.
std::pair<std::map<std::string, std::string>, std::string> split_entity(std::string_view text) {
    auto const end = text.find("\r\n\r\n");
    BOOST_REQUIRE(end != std::string_view::npos);
    std::map<std::string, std::string> headers;
    std::string last;
    std::istringstream lines{std::string(text.substr(0, end + 2))};
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (line[0] == ' ' || line[0] == '\t') {
            headers[last] += line;
            continue;
        }
        auto const colon = line.find(':');
        BOOST_REQUIRE(colon != std::string::npos);
        last = lower(line.substr(0, colon));
        BOOST_TEST(headers.count(last) == 0u, "header " << last << " appears twice");
        headers[last] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    return {headers, std::string(text.substr(end + 4))};
}

received parse_received(fs::path const& eml) {
    received r;
    r.raw = read_file(eml);
    r.info = json::parse(read_file(fs::path(eml).replace_extension(".json"))).as_object();
    auto [headers, body] = split_entity(r.raw);
    r.headers = headers;
    auto const& type = r.headers["content-type"];
    auto const at = type.find("boundary=\"");
    BOOST_REQUIRE(at != std::string::npos);
    auto const boundary = "--" + type.substr(at + 10, type.find('"', at + 10) - at - 10);
    std::string_view rest = body;
    BOOST_REQUIRE(rest.starts_with(boundary + "\r\n"));
    while (rest.starts_with(boundary + "\r\n")) {
        rest.remove_prefix(boundary.size() + 2);
        auto const next = rest.find("\r\n" + boundary);
        BOOST_REQUIRE(next != std::string_view::npos);
        auto [part_headers, part_body] = split_entity(rest.substr(0, next + 2));
        BOOST_TEST(part_headers["content-transfer-encoding"] == "quoted-printable");
        r.parts.emplace_back(part_headers["content-type"], decode_quoted_printable(part_body));
        rest.remove_prefix(next + 2);
    }
    BOOST_TEST(rest.starts_with(boundary + "--"));
    return r;
}

// Every message the sink has written, in arrival order.
std::vector<received> received_messages(fs::path const& dir) {
    std::vector<fs::path> files;
    for (auto const& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".eml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<received> out;
    for (auto const& f : files) out.push_back(parse_received(f));
    return out;
}

int connections(fs::path const& dir) {
    auto const text = read_file(dir / "connections");
    return text.empty() ? 0 : std::stoi(text);
}

// Line ends as LF and no trailing newline: how the text reads whatever MIME did to it.
std::string normalized(std::string s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
        out += s[i];
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

outbound_message email(std::string id, std::string to, std::string code, std::string locale = "en") {
    outbound_message m;
    m.id = std::move(id);
    m.owner = tenant{"app_test", environment::test};
    m.via = channel::email;
    m.to = std::move(to);
    m.code = std::move(code);
    m.expires_in_minutes = 5;
    m.locale = std::move(locale);
    m.style.app_name = "Acme";
    return m;
}

std::string outcome_name(outcome_t o) {
    switch (o) {
        case outcome_t::sent:
            return "sent";
        case outcome_t::retry:
            return "retry";
        case outcome_t::failed:
            return "failed";
    }
    return "?";
}

struct smtp_fixture {
    temp_dir dir;
    fs::path out = dir.path / "out";
    asio::io_context io{1};

    // Makes a self-signed certificate for localhost; returns {cert, key}.
    std::pair<std::string, std::string> certificate() {
        auto const cert = (dir.path / "cert.pem").string();
        auto const key = (dir.path / "key.pem").string();
        auto const command = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout "
                             + key + " -out " + cert + " >/dev/null 2>&1";
        BOOST_REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "openssl req failed");
        return {cert, key};
    }

    std::unique_ptr<sink_process> start_sink(std::vector<std::string> args = {}) {
        args.insert(args.begin(), {"--out", out.string()});
        return std::make_unique<sink_process>(std::move(args));
    }

    smtp_provider make_provider(std::string url, bool verify_tls = false,
                                std::chrono::milliseconds timeout = 5s) {
        return smtp_provider(
            io.get_executor(),
            smtp_options{std::move(url), "MoonKey <no-reply@moonkey.test>", timeout, verify_tls});
    }

    std::vector<delivery_result> send(smtp_provider& p, std::vector<outbound_message> const& batch,
                                      std::chrono::steady_clock::duration limit = 20s) {
        std::vector<delivery_result> results;
        run_coro(
            io, [&]() -> asio::awaitable<void> { results = co_await p.send(batch); }, limit);
        BOOST_REQUIRE_EQUAL(results.size(), batch.size());
        return results;
    }
};

std::string url_for(sink_process const& sink, std::string userinfo = {}, std::string scheme = "smtp") {
    return scheme + "://" + userinfo + "127.0.0.1:" + std::to_string(sink.port());
}

void require_all(std::vector<delivery_result> const& results, outcome_t what,
                 std::string_view reason_part = {}) {
    for (std::size_t i = 0; i < results.size(); ++i) {
        BOOST_TEST_CONTEXT("message " << i << ": " << outcome_name(results[i].what) << " "
                                      << results[i].reason) {
            BOOST_TEST((results[i].what == what));
            BOOST_TEST(results[i].reason.find(reason_part) != std::string::npos);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(smtp)

BOOST_AUTO_TEST_CASE(reply_parsing_and_dot_stuffing) {
    auto reply = parse_smtp_reply("250-sink.test\r\n250-SIZE 100\r\n250 AUTH PLAIN LOGIN\r\n");
    BOOST_REQUIRE(reply);
    BOOST_TEST(reply->code == 250);
    BOOST_TEST(reply->lines.size() == 3u);
    BOOST_TEST(reply->lines[2] == "AUTH PLAIN LOGIN");
    BOOST_TEST(parse_smtp_reply("550 5.1.1 no such user\r\n")->text() == "550 5.1.1 no such user");
    BOOST_TEST(parse_smtp_reply("250\r\n")->code == 250);
    BOOST_TEST(!parse_smtp_reply("250-first\r\n251 other code\r\n"));
    BOOST_TEST(!parse_smtp_reply("hello\r\n"));
    BOOST_TEST(!parse_smtp_reply("250-unfinished\r\n"));

    BOOST_TEST(smtp_dot_stuff("a\r\n.b\r\n.\r\nc") == "a\r\n..b\r\n..\r\nc\r\n.\r\n");
    BOOST_TEST(smtp_dot_stuff(".lf only\n") == "..lf only\r\n.\r\n");
    BOOST_TEST(smtp_dot_stuff("") == ".\r\n");
}

BOOST_FIXTURE_TEST_CASE(a_batch_of_three_arrives_complete, smtp_fixture) {
    auto sink = start_sink();
    auto provider = make_provider(url_for(*sink));
    std::vector<outbound_message> batch{email("msg_one", "ana@example.com", "111111"),
                                        email("msg_two", "ben@example.com", "222222", "es"),
                                        email("msg_three", "cleo@example.com", "333333", "de")};
    batch[1].style.app_name = "Café Ñandú";
    batch[2].style.email_from = "Acme Login <login@acme.test>";
    // Quoted-printable folds this line, so the wire carries lines that start with a dot.
    batch[2].style.email_html_template = "<p>{code}</p>" + std::string(3000, '.') + "<p>{app}</p>";
    batch[2].style.email_text_template = ".{code}\n..two dots\n.\nFrom here\n";

    auto const started = std::time(nullptr);
    require_all(send(provider, batch), outcome_t::sent);

    auto const messages = received_messages(out);
    BOOST_REQUIRE_EQUAL(messages.size(), 3u);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto const& m = batch[i];
        auto const& r = messages[i];
        BOOST_TEST_CONTEXT("message " << m.id) {
            auto const& py = r.info.at("message").as_object();
            BOOST_TEST(r.headers.at("x-moonkey-message-id") == m.id);
            BOOST_TEST(r.headers.at("mime-version") == "1.0");
            BOOST_TEST(r.headers.count("date") == 1u);
            BOOST_REQUIRE(py.contains("date_epoch"));
            BOOST_TEST(std::abs(py.at("date_epoch").to_number<double>() - static_cast<double>(started))
                       < 300);
            BOOST_TEST(r.headers.at("to") == m.to);
            BOOST_TEST(json::value_to<std::string>(py.at("headers").at("subject")) == email_subject(m));
            BOOST_TEST(py.at("content_type").as_string() == "multipart/alternative");
            BOOST_TEST(py.at("defects").as_array().empty(), json::serialize(py.at("defects")));
            BOOST_TEST(py.at("longest_line").to_number<int>() <= 998);
            BOOST_TEST(!py.at("bare_lf").as_bool());
            BOOST_TEST(r.info.at("rcpt_tos") == json::array{json::string(m.to)});

            std::string const from_address = i == 2 ? "login@acme.test" : "no-reply@moonkey.test";
            BOOST_TEST(r.info.at("mail_from").as_string() == from_address);
            BOOST_TEST(r.headers.at("from").find("<" + from_address + ">") != std::string::npos);
            BOOST_TEST(r.headers.at("message-id")
                       == "<" + m.id + "@" + from_address.substr(from_address.find('@') + 1) + ">");

            // Both parts, decoded by hand and by Python, hold the texts and the code.
            BOOST_REQUIRE_EQUAL(r.parts.size(), 2u);
            BOOST_TEST(r.parts[0].first == "text/plain; charset=utf-8");
            BOOST_TEST(r.parts[1].first == "text/html; charset=utf-8");
            BOOST_TEST(normalized(r.parts[0].second) == normalized(email_text(m)));
            BOOST_TEST(normalized(r.parts[1].second) == normalized(email_html(m)));
            auto const& py_parts = py.at("parts").as_array();
            BOOST_REQUIRE_EQUAL(py_parts.size(), 2u);
            for (auto const& part : py_parts) {
                auto const text = json::value_to<std::string>(part.at("text"));
                BOOST_TEST(text.find(m.code) != std::string::npos);
                BOOST_TEST(part.at("charset").as_string() == "utf-8");
            }
            BOOST_TEST(normalized(json::value_to<std::string>(py_parts[0].at("text")))
                       == normalized(email_text(m)));
            BOOST_TEST(normalized(json::value_to<std::string>(py_parts[1].at("text")))
                       == normalized(email_html(m)));
        }
    }
    // The non-ASCII subject went as RFC 2047 encoded-words.
    BOOST_TEST(messages[1].headers.at("subject").starts_with("=?utf-8?B?"));
    BOOST_TEST(messages[0].headers.at("subject") == email_subject(batch[0]));
}

BOOST_FIXTURE_TEST_CASE(a_second_batch_reuses_the_connection, smtp_fixture) {
    auto sink = start_sink();
    auto provider = make_provider(url_for(*sink));
    require_all(send(provider, {email("msg_a1", "a@example.com", "100001"),
                                email("msg_a2", "b@example.com", "100002")}),
                outcome_t::sent);
    require_all(send(provider, {email("msg_b1", "c@example.com", "100003")}), outcome_t::sent);
    require_all(send(provider, {email("msg_c1", "d@example.com", "100004")}), outcome_t::sent);
    auto const messages = received_messages(out);
    BOOST_REQUIRE_EQUAL(messages.size(), 4u);
    BOOST_TEST(connections(out) == 1);
    for (auto const& r : messages) BOOST_TEST(r.info.at("connection").to_number<int>() == 1);
}

BOOST_FIXTURE_TEST_CASE(credentials_need_starttls_on_smtp_urls, smtp_fixture) {
    auto sink = start_sink({"--auth", "mailer:secret"});
    auto provider = make_provider(url_for(*sink, "mailer:secret@"));
    require_all(send(provider,
                     {email("msg_1", "a@example.com", "123123"), email("msg_2", "b@example.com", "321321")}),
                outcome_t::failed, "the server does not offer STARTTLS");
    BOOST_TEST(received_messages(out).empty());
}

BOOST_FIXTURE_TEST_CASE(auth_over_starttls_with_the_right_and_a_wrong_password, smtp_fixture) {
    auto [cert, key] = certificate();
    auto sink = start_sink({"--auth", "mailer@acme.test:p@ss:w/rd", "--tls", cert, key});

    auto right = make_provider(url_for(*sink, "mailer%40acme.test:p%40ss%3Aw%2Frd@"));
    require_all(send(right, {email("msg_ok", "a@example.com", "424242")}), outcome_t::sent);
    auto const messages = received_messages(out);
    BOOST_REQUIRE_EQUAL(messages.size(), 1u);
    BOOST_TEST(messages[0].info.at("tls").as_bool());
    BOOST_TEST(messages[0].info.at("authenticated").as_bool());
    BOOST_TEST(messages[0].info.at("auth_login").as_string() == "mailer@acme.test");

    auto wrong = make_provider(url_for(*sink, "mailer%40acme.test:wrong@"));
    require_all(send(wrong, {email("msg_no1", "a@example.com", "111000"),
                             email("msg_no2", "b@example.com", "222000")}),
                outcome_t::failed, "535");
    BOOST_TEST(received_messages(out).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(starttls_is_used_when_offered, smtp_fixture) {
    auto [cert, key] = certificate();
    auto sink = start_sink({"--tls", cert, key});
    auto provider = make_provider(url_for(*sink));
    require_all(send(provider, {email("msg_tls", "a@example.com", "777777")}), outcome_t::sent);
    auto const messages = received_messages(out);
    BOOST_REQUIRE_EQUAL(messages.size(), 1u);
    BOOST_TEST(messages[0].info.at("tls").as_bool());

    // With verification on, a self-signed certificate is refused and nothing is sent.
    auto verifying = make_provider(url_for(*sink), true);
    require_all(send(verifying, {email("msg_verify", "a@example.com", "888888")}), outcome_t::failed,
                "certificate");
    BOOST_TEST(received_messages(out).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(smtps_speaks_tls_from_the_first_byte, smtp_fixture) {
    auto [cert, key] = certificate();
    auto sink = start_sink({"--tls", cert, key, "--implicit-tls", "--auth", "mailer:secret"});
    auto provider = make_provider(url_for(*sink, "mailer:secret@", "smtps"));
    require_all(send(provider, {email("msg_smtps", "a@example.com", "909090")}), outcome_t::sent);
    auto const messages = received_messages(out);
    BOOST_REQUIRE_EQUAL(messages.size(), 1u);
    BOOST_TEST(messages[0].info.at("tls").as_bool());
    BOOST_TEST(messages[0].info.at("authenticated").as_bool());
}

BOOST_FIXTURE_TEST_CASE(a_refused_recipient_fails_only_its_message, smtp_fixture) {
    auto sink = start_sink({"--fail-rcpt", "gone@example.com"});
    auto provider = make_provider(url_for(*sink));
    auto const results = send(
        provider, {email("msg_1", "a@example.com", "100100"), email("msg_2", "gone@example.com", "200200"),
                   email("msg_3", "c@example.com", "300300")});
    BOOST_TEST((results[0].what == outcome_t::sent));
    BOOST_TEST((results[1].what == outcome_t::failed));
    BOOST_TEST(results[1].reason.find("550 5.1.1") != std::string::npos, results[1].reason);
    BOOST_TEST((results[2].what == outcome_t::sent));
    auto const messages = received_messages(out);
    BOOST_REQUIRE_EQUAL(messages.size(), 2u);
    BOOST_TEST(messages[0].headers.at("x-moonkey-message-id") == "msg_1");
    BOOST_TEST(messages[1].headers.at("x-moonkey-message-id") == "msg_3");
    BOOST_TEST(connections(out) == 1);
}

BOOST_FIXTURE_TEST_CASE(a_stopped_server_means_retry_and_a_restarted_one_works, smtp_fixture) {
    auto sink = start_sink();
    int const port = sink->port();
    auto provider = make_provider(url_for(*sink));
    require_all(send(provider, {email("msg_before", "a@example.com", "123450")}), outcome_t::sent);

    sink.reset();  // the kept connection dies with the server
    require_all(send(provider, {email("msg_down1", "a@example.com", "123451"),
                                email("msg_down2", "b@example.com", "123452")}),
                outcome_t::retry);
    require_all(send(provider, {email("msg_down3", "a@example.com", "123453")}), outcome_t::retry);

    sink = start_sink({"--port", std::to_string(port)});
    require_all(send(provider, {email("msg_after", "a@example.com", "123454")}), outcome_t::sent);
    auto const messages = received_messages(out);
    BOOST_REQUIRE_EQUAL(messages.size(), 2u);
    BOOST_TEST(messages[1].headers.at("x-moonkey-message-id") == "msg_after");
}

BOOST_FIXTURE_TEST_CASE(a_silent_server_times_out_and_a_huge_reply_is_refused, smtp_fixture) {
    using tcp = asio::ip::tcp;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto const url = "smtp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    std::vector<tcp::socket> accepted;
    auto serve = [&](std::string greeting) -> asio::awaitable<void> {
        accepted.push_back(co_await acceptor.async_accept(asio::use_awaitable));
        if (!greeting.empty())
            co_await asio::async_write(accepted.back(), asio::buffer(greeting), asio::use_awaitable);
    };

    // Never greets: retry after the provider's timeout, not a hang.
    auto silent_server = serve("");
    asio::co_spawn(io, std::move(silent_server), asio::detached);
    auto slow = make_provider(url, false, 300ms);
    require_all(send(slow, {email("msg_silent", "a@example.com", "555555")}, 5s), outcome_t::retry,
                "timeout");

    // A greeting over 4 KiB: refused at once (the 30 s timeout would fail the 5 s limit).
    auto huge_server = serve("220-" + std::string(5000, 'x') + "\r\n220 ok\r\n");
    asio::co_spawn(io, std::move(huge_server), asio::detached);
    auto patient = make_provider(url, false, 30s);
    require_all(send(patient, {email("msg_huge", "a@example.com", "666666")}, 5s), outcome_t::retry);
}

BOOST_FIXTURE_TEST_CASE(unusable_options_fail_every_message, smtp_fixture) {
    auto wrong_scheme = make_provider("http://127.0.0.1:25");
    require_all(
        send(wrong_scheme, {email("msg_1", "a@example.com", "1"), email("msg_2", "b@example.com", "2")}),
        outcome_t::failed, "smtp://");
    // A recipient that would inject commands fails before any connection (nothing listens on port 1).
    auto nowhere = make_provider("smtp://127.0.0.1:1");
    require_all(send(nowhere, {email("msg_3", "a@example.com>\r\nRCPT TO:<x@y.z", "3")}), outcome_t::failed,
                "not an email address");
    auto app_from = email("msg_4", "a@example.com", "4");
    app_from.style.email_from = "Acme <no address>";
    require_all(send(nowhere, {app_from}), outcome_t::failed, "email_from");
    require_all(send(nowhere, {email("msg_5", "a@example.com", "5")}), outcome_t::retry,
                "Connection refused");
}

BOOST_AUTO_TEST_SUITE_END()
