// POST /v1/auth/otps/{sms,email}/login_or_create against the real server and MariaDB.

#include "test_server.hpp"

#include "moonkey/domain/ksuid.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <set>
#include <thread>

using namespace moonkey;
using namespace moonkey::test;

namespace {

constexpr char const* sms_path = "/v1/auth/otps/sms/login_or_create";
constexpr char const* email_path = "/v1/auth/otps/email/login_or_create";

struct fixture {
    test_server server;
    app_keys keys = server.create_app("Acme");

    reply sms(std::string const& body, std::string const& key = "") {
        return server.post(sms_path, key.empty() ? keys.test_secret : key, body);
    }
    reply email(std::string const& body, std::string const& key = "") {
        return server.post(email_path, key.empty() ? keys.test_secret : key, body);
    }
};

std::string phone_body(std::string const& phone, std::string const& extra = "") {
    return R"({"phone_number":")" + phone + "\"" + (extra.empty() ? "" : "," + extra) + "}";
}

std::string str(reply const& r, char const* key) { return std::string(r.json.at(key).as_string()); }

// Waits (bounded) until `sql_text` returns `expected`; returns the last value seen.
std::string wait_for_value(std::string const& sql_text, std::string const& expected) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string value;
    while (std::chrono::steady_clock::now() < deadline) {
        value = query_value(sql_text);
        if (value == expected) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return value;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(login_or_create, fixture)

BOOST_AUTO_TEST_CASE(sms_creates_a_user_then_finds_it) {
    auto phone = unique_phone();
    auto first = sms(phone_body(phone, R"("expires_in":3)"));
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    BOOST_TEST(is_id(str(first, "user_id"), "user_"));
    BOOST_TEST(is_id(str(first, "phone_number_id"), "pn_"));
    BOOST_TEST(first.json.at("user_created").as_bool());
    BOOST_TEST(str(first, "status") == "active");
    BOOST_TEST(first.json.as_object().size() == 4u);

    auto second = sms(phone_body(phone));
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    BOOST_TEST(!second.json.at("user_created").as_bool());
    BOOST_TEST(str(second, "user_id") == str(first, "user_id"));
    BOOST_TEST(str(second, "phone_number_id") == str(first, "phone_number_id"));
}

BOOST_AUTO_TEST_CASE(email_creates_a_user_then_finds_it_whatever_the_case_and_spaces) {
    auto address = unique_email();
    auto first = email(R"({"email":")" + address + R"(","expires_in":3})");
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    BOOST_TEST(is_id(str(first, "email_id"), "email_"));
    BOOST_TEST(first.json.at("user_created").as_bool());

    std::string shouted;
    for (char c : address) shouted += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto second = email(R"({"email":"  )" + shouted + R"( "})");
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    BOOST_TEST(!second.json.at("user_created").as_bool());
    BOOST_TEST(str(second, "email_id") == str(first, "email_id"));
    BOOST_TEST(query_value("SELECT email FROM emails WHERE id = '" + str(first, "email_id") + "'") == address);
}

BOOST_AUTO_TEST_CASE(phone_numbers_are_stored_in_e164) {
    auto phone = unique_phone();  // +1650XXXXXXX
    std::string formatted = "+1 (" + phone.substr(2, 3) + ") " + phone.substr(5, 3) + "-" + phone.substr(8);
    auto first = sms(phone_body(formatted));
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    auto second = sms(phone_body(phone));
    BOOST_TEST(str(second, "user_id") == str(first, "user_id"));
    BOOST_TEST(query_value("SELECT phone_number FROM phone_numbers WHERE id = '" + str(first, "phone_number_id") +
                           "'") == phone);
}

BOOST_AUTO_TEST_CASE(requires_verification_makes_a_new_user_pending_and_never_changes_an_existing_one) {
    auto phone = unique_phone();
    auto created = sms(phone_body(phone, R"("requires_verification":true)"));
    BOOST_TEST_REQUIRE(created.status == 200, created.body);
    BOOST_TEST(str(created, "status") == "pending");
    auto again = sms(phone_body(phone, R"("requires_verification":false)"));
    BOOST_TEST(str(again, "status") == "pending");

    auto misspelt = sms(phone_body(unique_phone(), R"("requies_verification":true)"));
    BOOST_TEST(str(misspelt, "status") == "pending");

    auto active_user = email(R"({"email":")" + unique_email() + R"(","requires_verification":false})");
    BOOST_TEST(str(active_user, "status") == "active");
    auto still_active = email(R"({"email":")" + unique_email() + R"("})");
    BOOST_TEST(str(still_active, "status") == "active");
}

BOOST_AUTO_TEST_CASE(a_new_code_replaces_the_old_one_and_every_send_is_queued) {
    auto phone = unique_phone();
    auto first = sms(phone_body(phone, R"("device_fingerprint":{"ip":"203.0.113.9","user_agent":"curl/8"})"));
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    auto method = str(first, "phone_number_id");
    auto digest_before = query_value("SELECT HEX(code_digest) FROM otps WHERE method_id = '" + method + "'");
    BOOST_TEST(query_value("SELECT fingerprint_ip FROM otps WHERE method_id = '" + method + "'") == "203.0.113.9");
    auto second = sms(phone_body(phone, R"("expires_in":10)"));
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    BOOST_TEST(query_value("SELECT COUNT(*) FROM otps WHERE method_id = '" + method + "'") == "1");
    BOOST_TEST(query_value("SELECT HEX(code_digest) FROM otps WHERE method_id = '" + method + "'") != digest_before);
    BOOST_TEST(query_value("SELECT expires_at - created_at FROM otps WHERE method_id = '" + method + "'") == "600");
    BOOST_TEST(query_value("SELECT COUNT(*) FROM outbox WHERE destination = '" + phone + "'") == "2");
}

BOOST_AUTO_TEST_CASE(queued_messages_are_delivered_and_marked_sent) {
    auto phone = unique_phone();
    BOOST_TEST_REQUIRE(sms(phone_body(phone)).status == 200);
    auto sql_text = "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND destination = '" + phone + "'";
    BOOST_TEST(wait_for_value(sql_text, "1") == "1");
    // The code is kept sealed, never as its digits.
    BOOST_TEST(query_value("SELECT LENGTH(sealed_code) FROM outbox WHERE destination = '" + phone + "'") == "34");
}

BOOST_AUTO_TEST_CASE(expires_in_accepts_whole_numbers_1_to_10_and_0_as_unset) {
    BOOST_TEST(sms(phone_body(unique_phone(), R"("expires_in":0)")).status == 200);
    BOOST_TEST(sms(phone_body(unique_phone(), R"("expires_in":1)")).status == 200);
    BOOST_TEST(sms(phone_body(unique_phone(), R"("expires_in":10)")).status == 200);
    BOOST_TEST(sms(phone_body(unique_phone(), R"("expires_in":3.0)")).status == 200);
    for (auto bad : {R"("expires_in":11)", R"("expires_in":-1)", R"("expires_in":2.5)", R"("expires_in":"3")",
                     R"("expires_in":true)", R"("expires_in":1e300)", R"("expires_in":18446744073709551615)"}) {
        auto r = sms(phone_body(unique_phone(), bad));
        BOOST_TEST(r.status == 400, bad);
        BOOST_TEST(r.error_type() == "invalid_request", bad);
    }
    auto r = sms(phone_body(unique_phone(), R"("expires_in":0)"));
    auto method = str(r, "phone_number_id");
    BOOST_TEST(query_value("SELECT expires_at - created_at FROM otps WHERE method_id = '" + method + "'") == "60");
}

BOOST_AUTO_TEST_CASE(invalid_fields_get_a_400_that_names_them_and_leave_nothing_behind) {
    struct case_t {
        char const* path;
        std::string body;
        char const* type;
    };
    std::vector<case_t> cases = {
        {sms_path, "{}", "invalid_request"},
        {sms_path, R"({"phone_number":""})", "invalid_request"},
        {sms_path, R"({"phone_number":14155552671})", "invalid_request"},
        {sms_path, R"({"phone_number":"4155552671"})", "invalid_phone_number"},
        {sms_path, R"({"phone_number":"+1415555"})", "invalid_phone_number"},
        {sms_path, R"({"phone_number":"+1415555267a"})", "invalid_phone_number"},
        {sms_path, R"({"phone_number":"+999123456789"})", "invalid_phone_number"},
        {sms_path, phone_body(unique_phone(), R"("requires_verification":"yes")"), "invalid_request"},
        {sms_path, phone_body(unique_phone(), R"("device_fingerprint":"x")"), "invalid_request"},
        {sms_path, phone_body(unique_phone(), R"("device_fingerprint":{"ip":5})"), "invalid_request"},
        {sms_path, R"({"phone_number":)", "invalid_request"},
        {sms_path, R"([1,2])", "invalid_request"},
        {sms_path, R"("text")", "invalid_request"},
        {email_path, "{}", "invalid_request"},
        {email_path, R"({"email":"no-at-sign"})", "invalid_email"},
        {email_path, R"({"email":"a@b"})", "invalid_email"},
        {email_path, R"({"email":"a b@example.com"})", "invalid_email"},
        {email_path, R"({"email":["a@example.com"]})", "invalid_request"},
    };
    auto users_before = query_value("SELECT COUNT(*) FROM users WHERE app_id = '" + keys.app_id + "'");
    for (auto const& c : cases) {
        auto r = server.post(c.path, keys.test_secret, c.body);
        BOOST_TEST(r.status == 400, c.body);
        BOOST_TEST(r.error_type() == c.type, c.body << " gave " << r.body);
        BOOST_TEST(r.json.at("status_code").as_int64() == 400);
        BOOST_TEST(!r.json.at("error_message").as_string().empty());
        BOOST_TEST(r.json.at("request_id").as_string() == r.headers["X-Request-Id"]);
    }
    BOOST_TEST(query_value("SELECT COUNT(*) FROM users WHERE app_id = '" + keys.app_id + "'") == users_before);
}

BOOST_AUTO_TEST_CASE(keys_are_checked_and_accepted_as_bearer_or_basic) {
    auto body = phone_body(unique_phone());
    BOOST_TEST(server.post(sms_path, "", body).error_type() == "unauthorized_credentials");
    BOOST_TEST(server.post(sms_path, "", body).status == 401);
    BOOST_TEST(server.post(sms_path, "sk_test_" + std::string(32, 'A'), body).status == 401);
    BOOST_TEST(server.post(sms_path, "not-a-key", body).status == 401);

    std::string basic = crypto::base64_encode(keys.test_secret + ":");
    auto r = server.request("POST", sms_path, body, {{"Authorization", "Basic " + basic}});
    BOOST_TEST(r.status == 200, r.body);
    auto public_token = server.post(sms_path, keys.test_public, phone_body(unique_phone()));
    BOOST_TEST(public_token.status == 200, public_token.body);
}

BOOST_AUTO_TEST_CASE(test_and_live_data_never_mix) {
    auto phone = unique_phone();
    auto in_test = sms(phone_body(phone));
    auto in_live = sms(phone_body(phone), keys.live_secret);
    BOOST_TEST_REQUIRE(in_live.status == 200, in_live.body);
    BOOST_TEST(in_live.json.at("user_created").as_bool());
    BOOST_TEST(str(in_live, "user_id") != str(in_test, "user_id"));

    auto other_app = server.create_app("Other");
    auto in_other = sms(phone_body(phone), other_app.test_secret);
    BOOST_TEST(in_other.json.at("user_created").as_bool());
}

BOOST_AUTO_TEST_CASE(fifty_concurrent_requests_for_one_new_number_make_exactly_one_user) {
    auto phone = unique_phone();
    std::vector<reply> replies(50);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < replies.size(); ++i)
        threads.emplace_back([&, i] { replies[i] = sms(phone_body(phone)); });
    for (auto& t : threads) t.join();
    int created = 0;
    std::set<std::string> users;
    for (auto const& r : replies) {
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        created += r.json.at("user_created").as_bool() ? 1 : 0;
        users.insert(str(r, "user_id"));
    }
    BOOST_TEST(created == 1);
    BOOST_TEST(users.size() == 1u);
    BOOST_TEST(query_value("SELECT COUNT(*) FROM phone_numbers WHERE phone_number = '" + phone +
                           "' AND app_id = '" + keys.app_id + "'") == "1");
    BOOST_TEST(query_value("SELECT COUNT(*) FROM outbox WHERE destination = '" + phone + "'") == "50");
}

BOOST_AUTO_TEST_SUITE_END()
