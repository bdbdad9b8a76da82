// moonkeyctl key create | list | revoke against a running server: several keys per environment,
// and a revoked key refused within 5 seconds with the same answer as an unknown key.

#include "test_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <thread>

using namespace moonkey::test;
namespace json = boost::json;

namespace {

struct command_result {
    int status;
    std::string output;
};

command_result moonkeyctl(std::string const& args) {
    auto command = std::string(MOONKEYCTL_PATH) + " --database_url '" + test_database_url() + "' " + args + " 2>&1";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    BOOST_REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    return {WEXITSTATUS(::pclose(pipe)), output};
}

json::object without_request_id(reply const& r) {
    auto body = r.json.as_object();
    body.erase("request_id");
    return body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_keys)

BOOST_AUTO_TEST_CASE(keys_are_created_listed_and_revoked) {
    test_server server;
    auto keys = server.create_app();
    auto login = [&](std::string const& key) {
        return server.post("/v1/auth/otps/sms/login_or_create", key, R"({"phone_number":")" + unique_phone() + "\"}");
    };

    auto created = moonkeyctl("key create " + keys.app_id + " --env test");
    BOOST_TEST_REQUIRE(created.status == 0, created.output);
    auto made = json::parse(created.output).as_object();
    auto key = std::string(made.at("key").as_string());
    auto key_id = std::string(made.at("key_id").as_string());
    BOOST_TEST(key.starts_with("sk_test_"));
    BOOST_TEST(login(key).status == 200);
    BOOST_TEST(login(keys.test_secret).status == 200);  // several keys are active at once

    auto public_token = moonkeyctl("key create " + keys.app_id + " --env live --public");
    BOOST_TEST_REQUIRE(public_token.status == 0, public_token.output);
    BOOST_TEST(json::parse(public_token.output).at("key").as_string().starts_with("pk_live_"));

    auto listed = moonkeyctl("key list " + keys.app_id);
    BOOST_TEST_REQUIRE(listed.status == 0, listed.output);
    BOOST_TEST(json::parse(listed.output).as_array().size() == 6u);
    BOOST_TEST(listed.output.find(key) == std::string::npos);  // never the key itself
    BOOST_TEST(listed.output.find(key_id) != std::string::npos);

    auto revoked = moonkeyctl("key revoke " + key_id);
    BOOST_TEST_REQUIRE(revoked.status == 0, revoked.output);
    auto started = std::chrono::steady_clock::now();
    reply refused;
    // Each instance caches a key for at most 5 s (key_cache), so the refusal comes within that.
    while (std::chrono::steady_clock::now() - started < std::chrono::seconds(8)) {
        refused = login(key);
        if (refused.status == 401) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_TEST(refused.status == 401);
    auto unknown = login("sk_test_" + std::string(32, 'Z'));
    BOOST_TEST(without_request_id(refused) == without_request_id(unknown));
    BOOST_TEST(login(keys.test_secret).status == 200);

    BOOST_TEST(moonkeyctl("key revoke " + key_id).status != 0);
    BOOST_TEST(moonkeyctl("key list app_nope").status != 0);
    BOOST_TEST(moonkeyctl("key create " + keys.app_id + " --env staging").status != 0);
}

BOOST_AUTO_TEST_SUITE_END()
