// Operations: the metrics page, sd_notify (READY, WATCHDOG, STOPPING), the graceful drain under
// load, and a separate metrics address — on real moonkeyd processes.

#include "flow_support.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace moonkey::test;
namespace json = boost::json;

namespace {

// A unix datagram socket standing in for systemd's NOTIFY_SOCKET.
struct notify_socket {
    std::filesystem::path path = temp_dir("notify") / "notify.sock";
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    notify_socket() {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        ::timeval timeout{0, 200000};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    ~notify_socket() { ::close(fd); }

    // Returns the messages received until `needle` arrives or `limit` passes.
    std::vector<std::string> read_until(std::string const& needle, std::chrono::seconds limit) {
        std::vector<std::string> got;
        auto deadline = std::chrono::steady_clock::now() + limit;
        char buffer[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            auto n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) continue;
            got.emplace_back(buffer, static_cast<std::size_t>(n));
            if (got.back().find(needle) != std::string::npos) break;
        }
        return got;
    }
};

bool contains(std::vector<std::string> const& messages, std::string const& needle) {
    return std::any_of(messages.begin(), messages.end(),
                       [&](auto const& m) { return m.find(needle) != std::string::npos; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(operations)

BOOST_AUTO_TEST_CASE(the_metrics_page_counts_requests_and_parses_with_promtool) {
    test_server server;
    auto keys = server.create_app();
    auto body = json::serialize(json::object{{"phone_number", unique_phone()}});
    BOOST_TEST_REQUIRE(server.post("/v1/auth/otps/sms/login_or_create", keys.test_secret, body).status == 200);
    BOOST_TEST(server.get("/nowhere").status == 404);
    auto page = server.get("/metrics");
    BOOST_TEST_REQUIRE(page.status == 200);
    BOOST_TEST(page.headers["Content-Type"].starts_with("text/plain; version=0.0.4"));
    BOOST_TEST(page.body.find("moonkey_http_requests_total{route=\"/v1/auth/otps/sms/login_or_create\",status=\"200\"} 1") !=
               std::string::npos);
    BOOST_TEST(page.body.find("moonkey_otp_sent_total{channel=\"sms\"} 1") != std::string::npos);
    BOOST_TEST(page.body.find("moonkey_http_request_duration_seconds_bucket") != std::string::npos);
    BOOST_TEST(page.body.find("moonkey_delivery_queue_depth") != std::string::npos);
    auto file = temp_dir("metrics") / "page.txt";
    std::ofstream(file) << page.body;
    auto command = "sh " + source_dir + "/test/tools/check_metrics.sh < " + file.string() + " > /dev/null";
    BOOST_TEST(std::system(command.c_str()) == 0);
}

BOOST_AUTO_TEST_CASE(systemd_hears_ready_watchdog_and_stopping) {
    receiver hook;
    notify_socket notify;
    auto dir = temp_dir("notified");
    auto port = free_port();
    child_process server({MOONKEYD_PATH, "--listen", "127.0.0.1:" + std::to_string(port), "--threads", "2",
                          "--database_url", test_database_url(), "--secret", test_secret()},
                         dir / "moonkeyd.log", {"NOTIFY_SOCKET=" + notify.path.string(), "WATCHDOG_USEC=400000"});
    auto start = notify.read_until("READY=1", std::chrono::seconds(20));
    BOOST_TEST_REQUIRE(contains(start, "READY=1"));
    auto pings = notify.read_until("no such message", std::chrono::seconds(1));
    BOOST_TEST(std::count_if(pings.begin(), pings.end(), [](auto const& m) { return m == "WATCHDOG=1"; }) >= 3);
    ::kill(server.pid(), SIGTERM);
    auto end = notify.read_until("STOPPING=1", std::chrono::seconds(10));
    BOOST_TEST(contains(end, "STOPPING=1"));
    BOOST_TEST(server.stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(a_drain_under_load_fails_no_request_and_loses_no_message) {
    receiver hook;
    auto keys = create_test_app("Drain");
    instance server(hook.port, {"--drain_delay", "1500"});
    std::atomic<bool> keep_going{true};
    std::mutex mutex;
    std::vector<std::string> accepted;
    std::vector<int> failures;
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
        clients.emplace_back([&] {
            while (keep_going) {
                auto phone = unique_phone();
                auto r = server.sms(keys.test_secret, phone);
                std::lock_guard lock(mutex);
                if (r.status == 200) {
                    accepted.push_back(phone);
                } else {
                    failures.push_back(r.status);
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::kill(server.process.pid(), SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto ready = http_request(server.port, "GET", "/readyz");
    BOOST_TEST(ready.status == 503);  // load balancers stop sending at once...
    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // ...while requests are still served
    keep_going = false;
    for (auto& c : clients) c.join();
    BOOST_TEST(server.process.stop(SIGTERM, std::chrono::seconds(30)) == 0);
    // The drain wrote every "sent" mark before the process ended: nothing is left for lease recovery.
    BOOST_TEST(query_value("SELECT COUNT(*) FROM outbox WHERE app_id = '" + keys.app_id + "' AND state = 'pending'") ==
               "0");
    BOOST_TEST(failures.empty(), failures.size() << " requests failed during the drain");
    BOOST_TEST(accepted.size() > 50u);
    BOOST_TEST(eventually([&] { return hook.destinations().size() >= accepted.size(); }));
    auto delivered = hook.destinations();
    for (auto const& phone : accepted) BOOST_TEST(delivered.count(phone) == 1u, phone);
}

BOOST_AUTO_TEST_CASE(metrics_can_live_on_their_own_address) {
    receiver hook;
    auto metrics_port = free_port();
    instance server(hook.port, {"--metrics_listen", "127.0.0.1:" + std::to_string(metrics_port)});
    BOOST_TEST(http_request(metrics_port, "GET", "/metrics").status == 200);
    BOOST_TEST(http_request(server.port, "GET", "/metrics").status == 404);
    BOOST_TEST(http_request(server.port, "GET", "/healthz").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
