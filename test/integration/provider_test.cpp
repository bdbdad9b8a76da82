// The webhook and Twilio providers against real local peers: test/tools/webhook_receiver.py and
// test/tools/fake_twilio.py, started per test case and stopped with it.

#include <boost/test/unit_test.hpp>

#include "moonkey/delivery/http_client.hpp"
#include "moonkey/delivery/message_text.hpp"
#include "moonkey/delivery/twilio_provider.hpp"
#include "moonkey/delivery/webhook_provider.hpp"
#include "moonkey/delivery/webhook_signature.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

using namespace moonkey;
using namespace std::literals;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

std::string const tools_dir = std::string(MOONKEY_SOURCE_DIR) + "/test/tools/";

// A Python peer: started with a bounded wait for the port it prints, killed with the test case.
class peer_process {
public:
    peer_process(std::string const& script, std::vector<std::string> args) {
        args.insert(args.begin(), {"/usr/bin/python3", tools_dir + script});
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int out[2];
        BOOST_REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        pid_ = ::fork();
        BOOST_REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test process
            ::dup2(out[1], STDOUT_FILENO);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        stdout_ = out[0];
        auto line = read_first_line(10s);
        if (line.empty()) {
            stop();
            BOOST_FAIL(script + " did not print its port within 10 s");
        }
        port_ = static_cast<std::uint16_t>(std::stoi(line));
    }
    ~peer_process() { stop(); }
    peer_process(peer_process const&) = delete;
    peer_process& operator=(peer_process const&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(std::string_view path = "") const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

private:
    std::string read_first_line(std::chrono::milliseconds limit) {
        std::string line;
        auto const deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) return {};
            pollfd p{stdout_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
            char c;
            if (::read(stdout_, &c, 1) != 1) return {};
            if (c == '\n') return line;
            line += c;
        }
    }

    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            bool gone = false;
            for (int i = 0; i < 200 && !gone; ++i) {  // up to 2 s, then SIGKILL
                gone = ::waitpid(pid_, &status, WNOHANG) == pid_;
                if (!gone) ::usleep(10'000);
            }
            if (!gone) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
            pid_ = -1;
        }
        if (stdout_ >= 0) ::close(stdout_);
        stdout_ = -1;
    }

    pid_t pid_ = -1;
    int stdout_ = -1;
    std::uint16_t port_ = 0;
};

// Runs the coroutine `make()` returns on `ctx`; fails the test when it does not finish within `limit`.
template <class Make>
void run_coro(asio::io_context& ctx, std::chrono::steady_clock::duration limit, Make make) {
    bool done = false;
    std::exception_ptr failure;
    ctx.restart();
    asio::co_spawn(ctx, make(), [&](std::exception_ptr e) {
        done = true;
        failure = e;
        ctx.stop();
    });
    ctx.run_for(limit);
    if (!done) BOOST_FAIL("did not finish in time");
    if (failure) std::rethrow_exception(failure);
}

// A temporary directory, removed with the test case.
struct temp_dir {
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "moonkey-provider-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::filesystem::path path;
};

std::vector<json::object> read_records(std::filesystem::path const& file) {
    std::vector<json::object> records;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) records.push_back(json::parse(line).as_object());
    return records;
}

// Sends one request to a peer's control or stats endpoint and returns its JSON answer.
asio::awaitable<json::value> call_peer(http_client& client, bhttp::verb method, std::string_view target,
                                       std::string_view body = "") {
    http_request req{method, target, 11};
    if (method == bhttp::verb::post) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    auto answer = co_await client.request(std::move(req));
    BOOST_REQUIRE_MESSAGE(answer.has_value(), "the peer did not answer " + std::string(target));
    BOOST_REQUIRE_EQUAL(answer->result_int(), 200u);
    co_return json::parse(answer->body());
}

// Tells a peer how to answer the next requests: `order` is the JSON of its /control endpoint.
asio::awaitable<void> control(http_client& client, std::string_view order) {
    auto answer = co_await call_peer(client, bhttp::verb::post, "/control", order);
    BOOST_TEST(answer.at("ok").as_bool());
}

http_client make_control_client(asio::io_context& ctx, peer_process const& peer) {
    return http_client(ctx.get_executor(), parse_http_origin(peer.url()).value(), http_client_options{});
}

outbound_message message(std::string id, channel via, std::string to, std::string code) {
    outbound_message m;
    m.id = std::move(id);
    m.owner = tenant{"app_test123", environment::test};
    m.via = via;
    m.to = std::move(to);
    m.code = std::move(code);
    m.expires_at = 1'900'000'000;
    m.expires_in_minutes = 3;
    m.style.app_name = "Acme";
    return m;
}

std::string http_date(std::chrono::system_clock::time_point at) {
    std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return text;
}

// The milliseconds of a Retry-After, -1 for none.
long millis(std::optional<std::chrono::milliseconds> delay) {
    return delay ? static_cast<long>(delay->count()) : -1;
}

bool all_are(std::vector<delivery_result> const& results, delivery_result::outcome what) {
    return std::all_of(results.begin(), results.end(), [&](auto const& r) { return r.what == what; });
}

std::string const webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct webhook_fixture {
    webhook_fixture()
        : receiver("webhook_receiver.py", {"--port", "0", "--secret", webhook_secret, "--record",
                                           (dir.path / "batches.jsonl").string()}) {}

    webhook_options options(std::string secret = webhook_secret) const {
        webhook_options o;
        o.url = receiver.url("/hooks/otp?source=moonkey");
        o.secret = std::move(secret);
        o.timeout = 5s;
        return o;
    }
    std::vector<json::object> batches() const { return read_records(dir.path / "batches.jsonl"); }

    temp_dir dir;
    peer_process receiver;
    asio::io_context ctx;
};

std::string const twilio_sid = "AC0123456789abcdef0123456789abcdef";
std::string const twilio_token = "twilio-auth-token";

struct twilio_fixture {
    twilio_fixture()
        : fake("fake_twilio.py", {"--port", "0", "--sid", twilio_sid, "--token", twilio_token, "--record",
                                  (dir.path / "messages.jsonl").string()}) {}

    twilio_options options() const {
        twilio_options o;
        o.base_url = fake.url();
        o.account_sid = twilio_sid;
        o.auth_token = twilio_token;
        o.from = "+15550001111";
        o.timeout = 5s;
        o.max_concurrency = 4;
        return o;
    }
    std::vector<json::object> messages() const { return read_records(dir.path / "messages.jsonl"); }

    temp_dir dir;
    peer_process fake;
    asio::io_context ctx;
};

std::vector<outbound_message> sms_batch(std::string const& prefix, int count) {
    std::vector<outbound_message> batch;
    for (int i = 0; i < count; ++i)
        batch.push_back(message(prefix + std::to_string(i), channel::sms, "+1555010000" + std::to_string(i),
                                std::to_string(100000 + i)));
    return batch;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_client_test)

BOOST_AUTO_TEST_CASE(parses_origins) {
    auto twilio = parse_http_origin("https://api.twilio.com");
    BOOST_REQUIRE(twilio.has_value());
    BOOST_TEST(twilio->tls);
    BOOST_TEST(twilio->host == "api.twilio.com");
    BOOST_TEST(twilio->port == 443);
    BOOST_TEST(twilio->host_header == "api.twilio.com");
    BOOST_TEST(twilio->target == "/");

    auto local = parse_http_origin("http://127.0.0.1:8080/hooks/otp?source=moonkey");
    BOOST_REQUIRE(local.has_value());
    BOOST_TEST(!local->tls);
    BOOST_TEST(local->port == 8080);
    BOOST_TEST(local->host_header == "127.0.0.1:8080");
    BOOST_TEST(local->target == "/hooks/otp?source=moonkey");

    auto v6 = parse_http_origin("http://[::1]:9000/");
    BOOST_REQUIRE(v6.has_value());
    BOOST_TEST(v6->host == "::1");
    BOOST_TEST(v6->host_header == "[::1]:9000");

    BOOST_TEST(!parse_http_origin("ftp://example.com/").has_value());
    BOOST_TEST(!parse_http_origin("https://user:pass@example.com/").has_value());
    BOOST_TEST(!parse_http_origin("not a url").has_value());
    BOOST_TEST(!parse_http_origin("http://example.com:99999/").has_value());
}

BOOST_AUTO_TEST_CASE(parses_retry_after) {
    auto const now = std::chrono::system_clock::now();
    BOOST_TEST(millis(parse_retry_after("7", now)) == 7000);
    BOOST_TEST(millis(parse_retry_after(" 120 ", now)) == 120000);
    BOOST_TEST(millis(parse_retry_after("0", now)) == 0);
    auto const in_30s = parse_retry_after(http_date(now + 30s), now);
    BOOST_REQUIRE(in_30s.has_value());
    BOOST_TEST(in_30s->count() > 29000);
    BOOST_TEST(in_30s->count() <= 30000);
    BOOST_TEST(millis(parse_retry_after(http_date(now - 1h), now)) == 0);
    auto const base = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    BOOST_TEST(millis(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", base)) == 10000);
    BOOST_TEST(millis(parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", base)) == 10000);
    BOOST_TEST(millis(parse_retry_after("Sun Nov  6 08:49:47 1994", base)) == 10000);
    BOOST_TEST(!parse_retry_after("soon", now).has_value());
    BOOST_TEST(!parse_retry_after("-5", now).has_value());
    BOOST_TEST(!parse_retry_after("", now).has_value());
}

// TLS: the certificate must chain to a trusted root and name the host the URL names.
BOOST_AUTO_TEST_CASE(verifies_tls_certificates_and_host_names) {
    temp_dir dir;
    auto const cert = (dir.path / "cert.pem").string();
    auto const key = (dir.path / "key.pem").string();
    std::string const make_cert =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost -keyout '"
        + key + "' -out '" + cert + "' >/dev/null 2>&1";
    BOOST_REQUIRE_MESSAGE(std::system(make_cert.c_str()) == 0, "openssl could not make a test certificate");
    peer_process receiver("webhook_receiver.py",
                          {"--port", "0", "--secret", "s", "--record", (dir.path / "r.jsonl").string(),
                           "--cert", cert, "--key", key});
    auto const port = std::to_string(receiver.port());
    asio::io_context ctx;
    http_client_options trusting;
    trusting.ca_file = cert;
    trusting.timeout = 5s;
    http_client good(ctx.get_executor(), parse_http_origin("https://localhost:" + port).value(), trusting);
    http_client wrong_name(ctx.get_executor(), parse_http_origin("https://127.0.0.1:" + port).value(),
                           trusting);
    http_client untrusted(ctx.get_executor(), parse_http_origin("https://localhost:" + port).value(),
                          http_client_options{});
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        auto first = co_await call_peer(good, bhttp::verb::get, "/stats");
        auto second = co_await call_peer(good, bhttp::verb::get, "/stats");
        BOOST_TEST(second.at("connections").as_int64() == first.at("connections").as_int64());
        BOOST_TEST(good.connections_opened() == 1u);

        http_request first_try{bhttp::verb::get, "/stats", 11};
        auto mismatched = co_await wrong_name.request(std::move(first_try));
        BOOST_REQUIRE(!mismatched.has_value());
        BOOST_TEST(mismatched.error().message.find("TLS handshake") != std::string::npos);

        http_request second_try{bhttp::verb::get, "/stats", 11};
        auto unknown = co_await untrusted.request(std::move(second_try));
        BOOST_REQUIRE(!unknown.has_value());
        BOOST_TEST(unknown.error().message.find("certificate verify failed") != std::string::npos,
                   unknown.error().message);
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(webhook_provider_test, webhook_fixture)

BOOST_AUTO_TEST_CASE(delivers_a_signed_batch) {
    webhook_provider provider(ctx.get_executor(), options());
    std::vector<outbound_message> batch{message("msg_1", channel::sms, "+15550100001", "111111"),
                                        message("msg_2", channel::email, "ada@example.com", "222222"),
                                        message("msg_3", channel::sms, "+15550100003", "333333")};
    batch[1].owner = tenant{"app_other456", environment::live};
    batch[2].locale = "fr";
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        auto results = co_await provider.send(batch);
        BOOST_TEST(results.size() == 3u);
        BOOST_TEST(all_are(results, delivery_result::outcome::sent));
        auto again = co_await provider.send(std::span(batch).first(1));
        BOOST_TEST(all_are(again, delivery_result::outcome::sent));
    });

    auto const records = batches();
    BOOST_REQUIRE_EQUAL(records.size(), 2u);
    auto const& record = records[0];
    BOOST_TEST(record.at("path").as_string() == "/hooks/otp?source=moonkey");
    auto const& headers = record.at("headers").as_object();
    std::string const id(headers.at("webhook-id").as_string());
    BOOST_TEST(id.starts_with("whb_"));
    BOOST_TEST(id != std::string(records[1].at("headers").at("webhook-id").as_string()));  // one id per batch
    auto const timestamp = std::stoll(std::string(headers.at("webhook-timestamp").as_string()));
    BOOST_TEST(std::abs(timestamp - std::time(nullptr)) < 60);
    BOOST_TEST(headers.at("content-type").as_string() == "application/json");
    BOOST_TEST(headers.at("webhook-signature").as_string()
               == webhook_signature(webhook_secret, id, timestamp, record.at("raw").as_string()));

    auto const& messages = record.at("body").at("messages").as_array();
    BOOST_REQUIRE_EQUAL(messages.size(), 3u);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto const& got = messages[i].as_object();
        BOOST_TEST(got.at("id").as_string() == batch[i].id);
        BOOST_TEST(got.at("to").as_string() == batch[i].to);
        BOOST_TEST(got.at("code").as_string() == batch[i].code);
        BOOST_TEST(got.at("app_id").as_string() == batch[i].owner.app_id);
        BOOST_TEST(got.at("expires_at").as_int64() == batch[i].expires_at);
        BOOST_TEST(got.at("locale").as_string() == batch[i].locale);
    }
    BOOST_TEST(messages[0].at("channel").as_string() == "sms");
    BOOST_TEST(messages[0].at("environment").as_string() == "test");
    BOOST_TEST(messages[0].at("text").as_string() == sms_text(batch[0]));
    BOOST_TEST(messages[0].at("subject").as_string() == "");
    BOOST_TEST(messages[1].at("channel").as_string() == "email");
    BOOST_TEST(messages[1].at("environment").as_string() == "live");
    BOOST_TEST(messages[1].at("subject").as_string() == email_subject(batch[1]));
    BOOST_TEST(messages[1].at("text").as_string() == email_text(batch[1]));
    BOOST_TEST(messages[1].at("html").as_string() == email_html(batch[1]));
    BOOST_TEST(messages[0].at("html").as_string() == "");
}

BOOST_AUTO_TEST_CASE(wrong_secret_fails_every_message) {
    webhook_provider provider(ctx.get_executor(),
                              options("whsec_" + std::string("c29tZSBvdGhlciBzZWNyZXQ=")));
    auto batch = sms_batch("msg_w", 2);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 2u);
        BOOST_TEST(all_are(results, delivery_result::outcome::failed));
        BOOST_TEST(results[0].reason == "webhook answered 401");
    });
    BOOST_TEST(batches().empty());
}

BOOST_AUTO_TEST_CASE(server_error_is_retried) {
    webhook_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, receiver);
    auto batch = sms_batch("msg_s", 2);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "500", "count": 1})");
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 2u);
        BOOST_TEST(all_are(results, delivery_result::outcome::retry));
        BOOST_TEST(results[1].reason == "webhook answered 500");
        BOOST_TEST(!results[1].retry_after.has_value());
        auto later = co_await provider.send(batch);
        BOOST_TEST(all_are(later, delivery_result::outcome::sent));
    });
    BOOST_TEST(batches().size() == 1u);
}

BOOST_AUTO_TEST_CASE(too_many_requests_is_retried_after_retry_after) {
    webhook_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, receiver);
    auto batch = sms_batch("msg_r", 3);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "429", "count": 1, "retry_after": "7"})");
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 3u);
        BOOST_TEST(all_are(results, delivery_result::outcome::retry));
        for (auto const& r : results) BOOST_TEST((r.retry_after == std::optional(7000ms)));

        std::string const order = R"({"mode": "429", "count": 1, "retry_after": ")"
                                  + http_date(std::chrono::system_clock::now() + 90s) + R"("})";
        co_await control(control_client, order);
        auto dated = co_await provider.send(batch);
        BOOST_TEST(all_are(dated, delivery_result::outcome::retry));
        BOOST_REQUIRE(dated[0].retry_after.has_value());
        BOOST_TEST(dated[0].retry_after->count() > 80000);
        BOOST_TEST(dated[0].retry_after->count() <= 91000);
    });
    BOOST_TEST(batches().empty());
}

BOOST_AUTO_TEST_CASE(other_client_errors_fail) {
    webhook_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, receiver);
    auto batch = sms_batch("msg_f", 1);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "400", "count": 1})");
        auto results = co_await provider.send(batch);
        BOOST_TEST(all_are(results, delivery_result::outcome::failed));
        BOOST_TEST(results[0].reason == "webhook answered 400");
    });
}

BOOST_AUTO_TEST_CASE(unreachable_receiver_is_retried) {
    asio::ip::tcp::acceptor closed(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    auto const port = closed.local_endpoint().port();
    closed.close();
    webhook_options o = options();
    o.url = "http://127.0.0.1:" + std::to_string(port) + "/hooks";
    webhook_provider provider(ctx.get_executor(), o);
    auto batch = sms_batch("msg_u", 2);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 2u);
        BOOST_TEST(all_are(results, delivery_result::outcome::retry));
        BOOST_TEST(results[0].reason.find("cannot connect") != std::string::npos, results[0].reason);
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(twilio_provider_test, twilio_fixture)

BOOST_AUTO_TEST_CASE(sends_a_batch_concurrently) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    auto batch = sms_batch("msg_t", 5);
    batch[1].style.sms_from = "+15559998888";
    batch[2].style.sms_from = "MG0123456789abcdef0123456789abcdef";
    batch[3].style.domain = "acme.example";
    json::value stats;
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "ok", "count": 0, "delay": 0.5})");
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 5u);
        BOOST_TEST(all_are(results, delivery_result::outcome::sent));
        stats = co_await call_peer(control_client, bhttp::verb::get, "/stats");
    });

    // Five requests that each take half a second overlapped, never more than max_concurrency at once.
    BOOST_TEST(stats.at("max_in_flight").as_int64() >= 2);
    BOOST_TEST(stats.at("max_in_flight").as_int64() <= 4);
    auto const records = messages();
    BOOST_REQUIRE_EQUAL(records.size(), 5u);
    std::map<std::string, json::object> by_token;
    for (auto const& r : records) by_token[std::string(r.at("idempotency_token").as_string())] = r;
    for (auto const& m : batch) {
        BOOST_REQUIRE(by_token.contains(m.id));
        auto const& form = by_token[m.id].at("form").as_object();
        BOOST_TEST(form.at("To").as_string() == m.to);
        BOOST_TEST(form.at("Body").as_string() == sms_text(m));
        BOOST_TEST(by_token[m.id].at("content_type").as_string() == "application/x-www-form-urlencoded");
    }
    BOOST_TEST(by_token["msg_t0"].at("form").at("From").as_string() == "+15550001111");
    BOOST_TEST(by_token["msg_t1"].at("form").at("From").as_string() == "+15559998888");
    BOOST_TEST(by_token["msg_t2"].at("form").at("MessagingServiceSid").as_string()
               == "MG0123456789abcdef0123456789abcdef");
    BOOST_TEST(!by_token["msg_t2"].at("form").as_object().contains("From"));
}

BOOST_AUTO_TEST_CASE(reuses_kept_alive_connections) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    auto first = sms_batch("msg_a", 5);
    auto second = sms_batch("msg_b", 5);
    json::value stats;
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        auto results = co_await provider.send(first);
        BOOST_TEST(all_are(results, delivery_result::outcome::sent));
        results = co_await provider.send(second);
        BOOST_TEST(all_are(results, delivery_result::outcome::sent));
        stats = co_await call_peer(control_client, bhttp::verb::get, "/stats");
    });
    BOOST_TEST(messages().size() == 10u);
    BOOST_TEST(stats.at("requests").as_int64() == 10);
    BOOST_TEST(stats.at("connections").as_int64() >= 1);
    BOOST_TEST(stats.at("connections").as_int64() <= 4);  // max_concurrency
}

BOOST_AUTO_TEST_CASE(invalid_number_fails_with_twilios_message) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    auto batch = sms_batch("msg_i", 1);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "400", "count": 1})");
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 1u);
        BOOST_TEST((results[0].what == delivery_result::outcome::failed));
        BOOST_TEST(
            results[0].reason.find("The 'To' number is not a valid phone number.") != std::string::npos,
            results[0].reason);
        BOOST_TEST(results[0].reason.find("21211") != std::string::npos, results[0].reason);
    });
    BOOST_TEST(messages().empty());
}

BOOST_AUTO_TEST_CASE(rate_limit_is_retried_after_retry_after) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    auto batch = sms_batch("msg_l", 2);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "429", "count": 2, "retry_after": "3"})");
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 2u);
        BOOST_TEST(all_are(results, delivery_result::outcome::retry));
        for (auto const& r : results) BOOST_TEST((r.retry_after == std::optional(3000ms)));
    });
    BOOST_TEST(messages().empty());
}

BOOST_AUTO_TEST_CASE(server_error_is_retried) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    auto batch = sms_batch("msg_e", 1);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "500", "count": 1})");
        auto results = co_await provider.send(batch);
        BOOST_TEST((results.at(0).what == delivery_result::outcome::retry));
        BOOST_TEST(results.at(0).reason.find("500") != std::string::npos, results.at(0).reason);
        auto later = co_await provider.send(batch);
        BOOST_TEST((later.at(0).what == delivery_result::outcome::sent));
    });
    BOOST_TEST(messages().size() == 1u);
}

BOOST_AUTO_TEST_CASE(slow_answer_times_out_and_is_retried) {
    auto o = options();
    o.timeout = 300ms;
    twilio_provider provider(ctx.get_executor(), o);
    auto control_client = make_control_client(ctx, fake);
    auto batch = sms_batch("msg_o", 1);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "timeout", "count": 1, "sleep": 3.0})");
        auto const started = std::chrono::steady_clock::now();
        auto results = co_await provider.send(batch);
        BOOST_TEST((results.at(0).what == delivery_result::outcome::retry));
        BOOST_TEST(results.at(0).reason.find("timed out after 300 ms") != std::string::npos,
                   results.at(0).reason);
        BOOST_TEST(
            (std::chrono::steady_clock::now() - started < 2s));  // the provider did not wait for the fake
    });
}

BOOST_AUTO_TEST_CASE(connection_closed_without_answer_is_retried) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    auto batch = sms_batch("msg_c", 1);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "close", "count": 1})");
        auto results = co_await provider.send(batch);  // a new connection: not sent again
        BOOST_TEST((results.at(0).what == delivery_result::outcome::retry));
    });
    BOOST_TEST(messages().empty());
}

BOOST_AUTO_TEST_CASE(stale_kept_alive_connection_is_tried_once_more) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        auto one = sms_batch("msg_k", 1);
        auto warm = co_await provider.send(one);
        BOOST_TEST((warm.at(0).what == delivery_result::outcome::sent));

        co_await control(control_client, R"({"mode": "close", "count": 1})");
        auto two = sms_batch("msg_m", 1);
        auto resent = co_await provider.send(two);  // the kept-alive one is closed, a new one answers
        BOOST_TEST((resent.at(0).what == delivery_result::outcome::sent));

        co_await control(control_client, R"({"mode": "close", "count": 2})");
        auto three = sms_batch("msg_n", 1);
        auto given_up = co_await provider.send(three);  // only once more
        BOOST_TEST((given_up.at(0).what == delivery_result::outcome::retry));
    });
    auto const records = messages();
    BOOST_REQUIRE_EQUAL(records.size(), 2u);
    BOOST_TEST(records[1].at("idempotency_token").as_string() == "msg_m0");
}

BOOST_AUTO_TEST_CASE(stop_ends_requests_in_flight_and_waiting) {
    twilio_provider provider(ctx.get_executor(), options());
    auto control_client = make_control_client(ctx, fake);
    auto batch = sms_batch("msg_p", 6);  // 4 in flight, 2 waiting for a turn
    asio::steady_timer stopper(ctx);
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        co_await control(control_client, R"({"mode": "ok", "count": 0, "delay": 3.0})");
        stopper.expires_after(300ms);
        stopper.async_wait([&](boost::system::error_code) { provider.stop(); });
        auto const started = std::chrono::steady_clock::now();
        auto results = co_await provider.send(batch);
        BOOST_TEST((std::chrono::steady_clock::now() - started < 2s));
        BOOST_REQUIRE_EQUAL(results.size(), 6u);
        BOOST_TEST(all_are(results, delivery_result::outcome::retry));
        BOOST_TEST(results[5].reason.find("stopped") != std::string::npos, results[5].reason);
        auto after = co_await provider.send(std::span(batch).first(1));
        BOOST_TEST((after.at(0).what == delivery_result::outcome::retry));
    });
}

BOOST_AUTO_TEST_CASE(wrong_auth_token_fails) {
    auto o = options();
    o.auth_token = "not-the-token";
    twilio_provider provider(ctx.get_executor(), o);
    auto batch = sms_batch("msg_x", 2);
    batch.push_back(message("msg_email", channel::email, "ada@example.com", "123456"));
    run_coro(ctx, 20s, [&]() -> asio::awaitable<void> {
        auto results = co_await provider.send(batch);
        BOOST_REQUIRE_EQUAL(results.size(), 3u);
        BOOST_TEST(all_are(results, delivery_result::outcome::failed));
        BOOST_TEST(results[0].reason.find("401") != std::string::npos, results[0].reason);
        BOOST_TEST(results[0].reason.find("Authenticate") != std::string::npos, results[0].reason);
        BOOST_TEST(results[2].reason == "Twilio sends SMS only");
    });
    BOOST_TEST(messages().empty());
}

BOOST_AUTO_TEST_SUITE_END()
