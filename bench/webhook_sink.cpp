// bench_webhook_sink: the webhook peer of bench/run, the C++ twin of webhook_sink.py. On a 2-core
// machine its CPU is taken from moonkeyd and MariaDB, so it does the least a real receiver must: it
// checks the Standard Webhooks signature (HMAC-SHA-256 over "id.timestamp.body" with the key of the
// whsec_ secret; 401 when no v1 signature verifies), counts the messages of the batch by substring
// without parsing the JSON, appends one line per batch to the record file (flushed, so bench/run can
// read it while the sink runs)
//
//     <unix time received, s, 6 decimals> <messages> <sms> <email> <bytes>
//
// and answers 204. GET /stats returns {"batches","messages","bad_signatures","connections"}; any
// other request 404. One thread, one io_context, one coroutine per kept-alive connection, bodies up
// to 16 MiB, a deadline on every read. Prints the port it listens on (127.0.0.1) as its first line
// of stdout; stops on SIGINT/SIGTERM.
//
//   bench_webhook_sink --port 0 --secret whsec_… --record FILE

#include "moonkey/core/crypto.hpp"
#include "moonkey/delivery/webhook_signature.hpp"
#include "moonkey/http/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t body_limit = 16 * 1024 * 1024;
// Longer than the idle timeout of moonkeyd's HTTP client (30 s), so that the client, which knows
// when it will send next, is the side that closes an idle connection.
constexpr std::chrono::seconds idle_timeout{120};
constexpr std::chrono::seconds read_timeout{10};    // for a whole request once its first byte came
constexpr std::chrono::seconds watchdog_period{1};  // how often deadlines are checked

// Returns how many non-overlapping times `pattern` occurs in `text`, as Python's bytes.count does.
// memmem, not string_view::find: find stops at every '"' of the JSON to compare the whole pattern.
std::size_t count_of(std::string_view text, std::string_view pattern) {
    std::size_t n = 0;
    for (char const* at = text.data(); char const* end = text.data() + text.size();) {
        auto const* hit = static_cast<char const*>(
            memmem(at, static_cast<std::size_t>(end - at), pattern.data(), pattern.size()));
        if (hit == nullptr) break;
        ++n;
        at = hit + pattern.size();
    }
    return n;
}

// HMAC-SHA-256 under one key, keyed once: each message starts from a copy of the keyed context,
// so neither the key schedule nor OpenSSL's algorithm lookup is paid per batch.
class webhook_mac {
public:
    // Throws std::runtime_error when OpenSSL cannot set up HMAC-SHA-256.
    explicit webhook_mac(std::string_view key) {
        std::unique_ptr<EVP_MAC, mac_free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
        if (mac) keyed_.reset(EVP_MAC_CTX_new(mac.get()));
        char digest_name[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_END};
        if (!keyed_
            || EVP_MAC_init(keyed_.get(), reinterpret_cast<unsigned char const*>(key.data()), key.size(),
                            params)
                   != 1)
            throw std::runtime_error("OpenSSL cannot compute HMAC-SHA-256");
    }

    // Returns the base64 HMAC of the concatenation of `parts`; "" if OpenSSL fails.
    std::string base64_of(std::initializer_list<std::string_view> parts) const {
        std::unique_ptr<EVP_MAC_CTX, ctx_free> ctx(EVP_MAC_CTX_dup(keyed_.get()));
        if (!ctx) return {};
        for (auto part : parts)
            if (EVP_MAC_update(ctx.get(), reinterpret_cast<unsigned char const*>(part.data()), part.size())
                != 1)
                return {};
        moonkey::crypto::digest mac{};
        std::size_t length = 0;
        if (EVP_MAC_final(ctx.get(), mac.data(), &length, mac.size()) != 1 || length != mac.size()) return {};
        return moonkey::crypto::base64_encode(
            std::string_view(reinterpret_cast<char const*>(mac.data()), length));
    }

private:
    struct mac_free {
        void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
    };
    struct ctx_free {
        void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
    };
    std::unique_ptr<EVP_MAC_CTX, ctx_free> keyed_;
};

struct file_closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

struct sink_state {
    std::optional<webhook_mac> mac;  // under the key the secret stands for
    std::unique_ptr<std::FILE, file_closer> record;
    std::uint64_t batches = 0;
    std::uint64_t messages = 0;
    std::uint64_t bad_signatures = 0;
    std::uint64_t connections = 0;
};

// Returns whether one of the space-separated "v1,<base64>" entries of webhook-signature is the
// HMAC of "id.timestamp.body"; false when a header is missing or empty. The id and timestamp are
// signed as the header text, not reparsed, exactly as webhook_sink.py does.
bool verified(webhook_mac const& mac, http::request<http::string_body> const& req) {
    std::string_view const id = req["webhook-id"];
    std::string_view const timestamp = req["webhook-timestamp"];
    std::string_view signatures = req["webhook-signature"];
    if (id.empty() || timestamp.empty() || signatures.empty()) return false;
    std::string const expected = mac.base64_of({id, ".", timestamp, ".", req.body()});
    if (expected.empty()) return false;
    auto const as_bytes = [](std::string_view s) {
        return std::span<std::uint8_t const>(reinterpret_cast<std::uint8_t const*>(s.data()), s.size());
    };
    for (;;) {
        auto const space = signatures.find(' ');
        std::string_view const entry = signatures.substr(0, space);
        auto const comma = entry.find(',');
        if (comma != std::string_view::npos && entry.substr(0, comma) == "v1"
            && moonkey::crypto::equal_constant_time(as_bytes(entry.substr(comma + 1)), as_bytes(expected)))
            return true;
        if (space == std::string_view::npos) return false;
        signatures.remove_prefix(space + 1);
    }
}

// Appends "<unix time, s with 6 decimals> <messages> <sms> <email> <bytes>" and flushes, so that
// bench/run can read the record while the sink runs.
void record_batch(std::FILE* record, std::chrono::system_clock::time_point received, std::size_t messages,
                  std::size_t sms, std::size_t email, std::size_t bytes) {
    auto const us =
        std::chrono::duration_cast<std::chrono::microseconds>(received.time_since_epoch()).count();
    std::fprintf(record, "%lld.%06lld %zu %zu %zu %zu\n", static_cast<long long>(us / 1000000),
                 static_cast<long long>(us % 1000000), messages, sms, email, bytes);
    std::fflush(record);
}

http::response<http::string_body> answer(unsigned version, http::status status, std::string body) {
    http::response<http::string_body> res{status, version};
    if (!body.empty()) res.set(http::field::content_type, "application/json");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

http::response<http::string_body> receive_batch(sink_state& state,
                                                http::request<http::string_body> const& req,
                                                std::chrono::system_clock::time_point received) {
    if (!verified(*state.mac, req)) {
        ++state.bad_signatures;
        return answer(req.version(), http::status::unauthorized, R"({"error": "signature does not verify"})");
    }
    std::string_view const body = req.body();
    auto const messages = count_of(body, R"("id":"msg_)");
    auto const sms = count_of(body, R"("channel":"sms")");
    auto const email = count_of(body, R"("channel":"email")");
    ++state.batches;
    state.messages += messages;
    record_batch(state.record.get(), received, messages, sms, email, body.size());
    return answer(req.version(), http::status::no_content, {});
}

http::response<http::string_body> handle(sink_state& state, http::request<http::string_body> const& req,
                                         std::chrono::system_clock::time_point received) {
    if (req.method() == http::verb::post) return receive_batch(state, req, received);
    if (req.method() == http::verb::get && req.target() == "/stats")
        return answer(req.version(), http::status::ok,
                      R"({"batches":)" + std::to_string(state.batches) + R"(,"messages":)"
                          + std::to_string(state.messages) + R"(,"bad_signatures":)"
                          + std::to_string(state.bad_signatures) + R"(,"connections":)"
                          + std::to_string(state.connections) + "}");
    return answer(req.version(), http::status::not_found, R"({"error": "not found"})");
}

// One kept-alive connection and the deadline of its current read. A watchdog checks the deadline
// every second instead of each read arming a timer (as beast::tcp_stream does): re-arming the
// kernel timer (timerfd_settime) was two of the nine system calls the sink made per batch.
struct connection {
    explicit connection(tcp::socket s) : socket(std::move(s)), watchdog(socket.get_executor()) {}
    tcp::socket socket;
    asio::steady_timer watchdog;
    std::chrono::steady_clock::time_point deadline;
};

// Closes the connection once its deadline has passed; returns when it is closed or its session ends.
asio::awaitable<void> watch(std::shared_ptr<connection> conn) {
    for (;;) {
        conn->watchdog.expires_after(watchdog_period);
        auto [ec] = co_await conn->watchdog.async_wait(use_tuple);
        if (ec || !conn->socket.is_open()) co_return;
        if (std::chrono::steady_clock::now() >= conn->deadline) {
            beast::error_code ignored;
            conn->socket.close(ignored);  // the pending read fails with operation_aborted
            co_return;
        }
    }
}

// Feeds `parser` what `buffer` holds and consumes it; returns the parse error, if any (needing more
// bytes is none). A batch usually arrives whole with the first read, and parsing it here saves the
// round through the scheduler that http::async_read takes even when it has nothing to read.
beast::error_code parse_buffered(http::request_parser<http::string_body>& parser,
                                 beast::flat_buffer& buffer) {
    parser.eager(true);
    beast::error_code ec;
    while (buffer.size() > 0 && !parser.is_done()) {
        buffer.consume(parser.put(buffer.data(), ec));
        if (ec == http::error::need_more) return {};
        if (ec) return ec;
    }
    return {};
}

asio::awaitable<void> session(std::shared_ptr<connection> conn, sink_state& state) {
    auto& socket = conn->socket;
    beast::flat_buffer buffer;
    for (;;) {
        if (buffer.size() == 0) {  // idle between requests: wait for the first byte
            conn->deadline = std::chrono::steady_clock::now() + idle_timeout;
            auto [idle_ec, n] = co_await socket.async_read_some(buffer.prepare(16 * 1024), use_tuple);
            if (idle_ec) break;
            buffer.commit(n);
        }
        http::request_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        // One deadline for the rest of the request and its answer: a client trickling bytes gains nothing.
        conn->deadline = std::chrono::steady_clock::now() + read_timeout;
        auto read_ec = parse_buffered(parser, buffer);
        if (!read_ec && !parser.is_done()) {
            auto [async_ec, read_n] = co_await http::async_read(socket, buffer, parser, use_tuple);
            read_ec = async_ec;
        }
        if (read_ec == http::error::body_limit) {
            auto res = answer(parser.get().version(), http::status::payload_too_large,
                              R"({"error": "the body is over 16 MiB"})");
            res.keep_alive(false);
            co_await http::async_write(socket, res, use_tuple);
            break;
        }
        if (read_ec) break;
        auto const received = std::chrono::system_clock::now();
        auto const& req = parser.get();
        auto res = handle(state, req, received);
        res.keep_alive(req.keep_alive());
        auto [write_ec, written] = co_await http::async_write(socket, res, use_tuple);
        if (write_ec || !res.keep_alive()) break;
    }
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
    conn->watchdog.cancel();
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, sink_state& state) {
    auto ex = co_await asio::this_coro::executor;
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) break;
        if (ec) continue;
        ++state.connections;
        socket.set_option(tcp::no_delay(true), ec);
        auto conn = std::make_shared<connection>(std::move(socket));
        asio::co_spawn(ex, watch(conn), asio::detached);
        asio::co_spawn(ex, session(std::move(conn), state), asio::detached);
    }
}

int usage() {
    std::cerr << "usage: bench_webhook_sink --port PORT --secret SECRET --record FILE\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    std::string secret;
    std::string record_path;
    if (argc % 2 == 0) return usage();
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view const key = argv[i];
        if (key == "--port") {
            port = std::atoi(argv[i + 1]);
        } else if (key == "--secret") {
            secret = argv[i + 1];
        } else if (key == "--record") {
            record_path = argv[i + 1];
        } else {
            return usage();
        }
    }
    if (secret.empty() || record_path.empty() || port < 0 || port > 65535) return usage();

    sink_state state;  // outlives the io_context, whose destruction ends the sessions
    state.record.reset(std::fopen(record_path.c_str(), "a"));
    if (!state.record) {
        std::perror(("bench_webhook_sink: " + record_path).c_str());
        return 1;
    }
    try {
        state.mac.emplace(moonkey::webhook_key(secret));
        asio::io_context loop(1);
        auto acceptor = moonkey::http::open_acceptor(
            loop.get_executor(),
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
        asio::co_spawn(loop, accept_loop(acceptor, state), asio::detached);
        asio::signal_set signals(loop, SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) { loop.stop(); });
        std::cout << acceptor.local_endpoint().port() << std::endl;
        loop.run();
    } catch (std::exception const& e) {
        std::cerr << "bench_webhook_sink: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
