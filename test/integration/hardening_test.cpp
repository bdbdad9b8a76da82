// HTTP hardening over real sockets: slow and idle clients, the connection cap, pipelined floods,
// request smuggling, header floods and hostile JSON. Each case also checks that the server still
// serves other clients. (Header and body limits and the stalled-request deadline are in
// http_core_test.cpp.)

#include "raw_socket.hpp"
#include "test_server.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <thread>
#include <vector>

#include <sys/socket.h>

using namespace moonkey::test;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

std::string const healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

// A server with deadlines short enough for the slow-client cases to take a second or two.
void short_deadlines(moonkey::config& cfg) {
    cfg.read_timeout = 1s;
    cfg.idle_timeout = 1500ms;
}

bool contains(std::string const& text, std::string const& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(hardening)

BOOST_AUTO_TEST_CASE(a_client_trickling_its_request_head_is_cut_off_at_the_read_deadline) {
    test_server server(short_deadlines);
    raw_connection slow(server.port());
    std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(100, 'a') + "\r\n\r\n";
    // One byte every 250 ms: each byte comes well within the 1 s deadline, the whole head never does.
    auto started = steady_clock::now();
    std::size_t sent = 0;
    bool cut = false;
    while (!cut && sent < head.size() && steady_clock::now() - started < 8s) {
        cut = !slow.send(head.substr(sent++, 1)) || slow.closed_within(250ms);
    }
    auto took = steady_clock::now() - started;
    BOOST_TEST(cut, "the trickling client was never cut off");
    BOOST_TEST(sent < head.size());
    auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    BOOST_TEST(took_ms < 4000, "cut after " << took_ms << " ms");
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(a_kept_alive_connection_that_idles_is_closed_after_the_idle_timeout) {
    test_server server(short_deadlines);
    raw_connection idle(server.port());
    BOOST_REQUIRE(idle.send(healthz));
    BOOST_TEST(idle.read_response().starts_with("HTTP/1.1 200"));
    auto started = steady_clock::now();
    BOOST_TEST(idle.closed_within(6s), "the idle connection stayed open");
    // The idle timeout (1.5 s) applies between requests, not the read deadline (1 s).
    auto idled_ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - started).count();
    BOOST_TEST(idled_ms >= 1300);
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(connections_over_the_cap_get_a_503_and_the_open_ones_keep_working) {
    test_server server([](moonkey::config& cfg) { cfg.max_connections = 3; });
    std::vector<std::unique_ptr<raw_connection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<raw_connection>(server.port()));
        BOOST_REQUIRE(held.back()->send(healthz));
        BOOST_REQUIRE(held.back()->read_response().starts_with("HTTP/1.1 200"));
    }

    auto [answer, closed] = send_and_read(server.port(), healthz);
    BOOST_TEST(answer.starts_with("HTTP/1.1 503"), answer.substr(0, 40));
    BOOST_TEST(contains(answer, "Connection: close"));
    BOOST_TEST(contains(answer, "Retry-After: 1"));
    BOOST_TEST(contains(answer, R"("error_type":"service_unavailable")"), answer);
    BOOST_TEST(closed);

    for (auto& connection : held) {
        BOOST_REQUIRE(connection->send(healthz));
        BOOST_TEST(connection->read_response().starts_with("HTTP/1.1 200"));
    }

    // Once one of them closes, its place is free again (the server notices the close at once).
    held.pop_back();
    bool served = false;
    for (auto deadline = steady_clock::now() + 5s; !served && steady_clock::now() < deadline;)
        served = raw_exchange(server.port(), healthz.substr(0, healthz.size() - 2) + "Connection: close\r\n\r\n")
                     .starts_with("HTTP/1.1 200");
    BOOST_TEST(served, "no connection was accepted after one of the three closed");
}

BOOST_AUTO_TEST_CASE(a_pipelined_flood_is_answered_in_order_while_others_are_served) {
    test_server server;
    // About 5 MB of answers: more than the kernel buffers hold, so the server's writes block and
    // it must stop reading from this client (it reads one request, answers it, then reads on).
    constexpr int count = 20000;
    std::string burst;
    for (int i = 0; i < count; ++i)
        burst += "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipe-" + std::to_string(i) + "\r\n\r\n";
    raw_connection flood(server.port());
    int small = 16 * 1024;
    ::setsockopt(flood.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    bool written = false;
    std::thread writer([&] { written = flood.send(burst); });

    // Before a single answer of the flood is read, another client is served.
    auto other = server.get("/healthz");
    BOOST_TEST(other.status == 200);

    int in_order = 0;
    for (int i = 0; i < count; ++i) {
        auto response = flood.read_response(5s);
        if (!response.starts_with("HTTP/1.1 200")) break;
        if (!contains(response, "X-Request-Id: pipe-" + std::to_string(i) + "\r\n")) break;
        ++in_order;
    }
    writer.join();
    BOOST_TEST(written);
    BOOST_TEST(in_order == count);
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(ambiguous_request_framing_is_400_and_the_connection_closes) {
    test_server server;
    std::string const post = "POST /v1/auth/otps/sms/login_or_create HTTP/1.1\r\nHost: x\r\n"
                             "Content-Type: application/json\r\n";
    // A proxy that frames the body differently would see the GET as a request of its own.
    std::string const body_then_smuggled = "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    for (std::string framing : {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                                "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                                "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
                                "Transfer-Encoding: gzip\r\n",
                                "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                                "Content-Length: 5\r\nContent-Length: 6\r\n",
                                "Content-Length: 5, 6\r\n"}) {
        auto [answer, closed] = send_and_read(server.port(), post + framing + "\r\n" + body_then_smuggled);
        BOOST_TEST(answer.starts_with("HTTP/1.1 400"), framing << answer.substr(0, 40));
        BOOST_TEST(contains(answer, R"("error_type":"invalid_request")"), framing);
        BOOST_TEST(contains(answer, "Connection: close"), framing);
        BOOST_TEST(count_of(answer, "HTTP/1.1 ") == 1u, framing << "the smuggled request was answered");
        BOOST_TEST(closed, framing);
    }
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(many_small_headers_and_a_huge_request_line_are_431) {
    test_server server;
    std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    auto [too_many, closed] = send_and_read(server.port(), many + "\r\n");
    BOOST_TEST(too_many.starts_with("HTTP/1.1 431"), too_many.substr(0, 40));
    BOOST_TEST(closed);
    auto long_line = raw_exchange(server.port(), "GET /healthz?" + std::string(20000, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(long_line.starts_with("HTTP/1.1 431"), long_line.substr(0, 40));
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(a_request_target_with_bytes_outside_ascii_is_400) {
    // Found by the HTTP fuzz target: such bytes were echoed into JSON answers as invalid UTF-8.
    test_server server;
    auto answer = raw_exchange(server.port(), "GET /v1/auth/users/user_\x81\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    BOOST_TEST(answer.starts_with("HTTP/1.1 400"), answer.substr(0, 40));
    BOOST_TEST(contains(answer, "percent-encode"), answer);
    BOOST_TEST(!contains(answer, "\x81"));
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(hostile_json_is_400_invalid_request_with_a_reason) {
    test_server server;
    auto keys = server.create_app();
    auto login = [&](std::string const& body) {
        return server.post("/v1/auth/otps/sms/login_or_create", keys.test_secret, body);
    };

    auto deep = login(std::string(10000, '['));
    BOOST_TEST(deep.status == 400);
    BOOST_TEST(deep.error_type() == "invalid_request");
    BOOST_TEST(contains(deep.body, "deeper than 32"), deep.body);

    auto bad_utf8 = login("{\"phone_number\":\"+1415555\xff\xfe\"}");
    BOOST_TEST(bad_utf8.status == 400);
    BOOST_TEST(bad_utf8.error_type() == "invalid_request");
    BOOST_TEST(contains(bad_utf8.body, "not valid UTF-8 (byte 25)"), bad_utf8.body);

    for (std::string number : {"1e400", "-1e400", "99999999999999999999999", "-1e308", "18446744073709551615"}) {
        auto r = login(R"({"phone_number":")" + unique_phone() + R"(","expires_in":)" + number + "}");
        BOOST_TEST(r.status == 400, number);
        BOOST_TEST(r.error_type() == "invalid_request", number);
        BOOST_TEST(contains(r.body, "expires_in is out of range"), number << ": " << r.body);
    }

    // Anywhere in the body: an infinite number would be stored as text that is not JSON.
    auto metadata = server.post("/v1/auth/users/create", keys.test_secret,
                                R"({"email":")" + unique_email() + R"(","metadata":{"a":[1,1e999]}})");
    BOOST_TEST(metadata.status == 400);
    BOOST_TEST(contains(metadata.body, "metadata.a[1] is out of range"), metadata.body);
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
