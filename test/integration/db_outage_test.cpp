// The database stops mid-test: requests fail fast with 503, /healthz still answers, and the server
// recovers by itself when the database returns.

#include "test_server.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

using namespace moonkey::test;

namespace {

void run_script(char const* variable) {
    char const* command = std::getenv(variable);
    BOOST_REQUIRE_MESSAGE(command && *command, variable << " is not set: run the tests with tools/test");
    BOOST_REQUIRE_MESSAGE(std::system(command) == 0, command << " failed");
}

struct restart_database_at_exit {
    ~restart_database_at_exit() {
        if (char const* command = std::getenv("MK_TEST_DB_START")) std::system(command);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(database_down_gives_503_quickly_then_recovers) {
    test_server server;
    auto keys = server.create_app();
    std::vector<std::string> acknowledged;
    auto send = [&] {
        auto phone = unique_phone();
        auto r = server.post("/v1/auth/otps/sms/login_or_create", keys.test_secret,
                             R"({"phone_number":")" + phone + "\"}");
        if (r.status == 200) acknowledged.push_back(phone);
        return r;
    };
    BOOST_TEST_REQUIRE(send().status == 200);

    restart_database_at_exit guard;
    run_script("MK_TEST_DB_STOP");
    for (int i = 0; i < 5; ++i) {
        auto started = std::chrono::steady_clock::now();
        auto r = send();
        auto took = std::chrono::steady_clock::now() - started;
        BOOST_TEST(r.status == 503, r.body);
        BOOST_TEST(r.error_type() == "service_unavailable");
        BOOST_TEST(r.headers.count("Retry-After") == 1u);
        // Bounded by the database deadline of the test server (2 s), never a hang.
        BOOST_TEST(took < std::chrono::seconds(5));
    }
    BOOST_TEST(server.get("/readyz").status == 503);
    BOOST_TEST(server.get("/healthz").status == 200);

    run_script("MK_TEST_DB_START");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    // Returns 200 once `status_of()` gives it, tried every 100 ms until the deadline; else the last status.
    auto first_200 = [&](auto status_of) {
        int status = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            status = status_of();
            if (status == 200) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return status;
    };
    BOOST_TEST(first_200([&] { return send().status; }) == 200);
    // Ready again too, though not necessarily at once: the general pool's workers fail fast for
    // 250 ms after a failed connect, and one may have failed just before the database came back.
    BOOST_TEST(first_200([&] { return server.get("/readyz").status; }) == 200);
    // Every code whose request was acknowledged is delivered.
    BOOST_TEST(acknowledged.size() == 2u);
    for (auto const& phone : acknowledged) BOOST_TEST(server.code_sent_to(phone).size() == 6u);
}
