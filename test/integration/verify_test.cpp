// POST /v1/auth/otps/verify and /send, sessions and the JWKS, against the real server and MariaDB.

#include "test_server.hpp"

#include "moonkey/domain/ksuid.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <thread>

using namespace moonkey;
using namespace moonkey::test;
namespace json = boost::json;

namespace {

struct fixture {
    test_server server;
    app_keys keys = server.create_app("Acme");

    reply post(std::string const& path, json::object const& body, std::string const& key = "") {
        return server.post(path, key.empty() ? keys.test_secret : key, json::serialize(body));
    }

    // Sends a code to a new phone number; returns {method_id, user_id, code}.
    struct sent {
        std::string method_id, user_id, code, phone;
    };
    sent send_code(json::object extra = {}) {
        sent s;
        s.phone = unique_phone();
        extra["phone_number"] = s.phone;
        auto r = post("/v1/auth/otps/sms/login_or_create", extra);
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        s.method_id = std::string(r.json.at("phone_number_id").as_string());
        s.user_id = std::string(r.json.at("user_id").as_string());
        s.code = server.code_sent_to(s.phone);
        return s;
    }

    reply verify(std::string const& method_id, std::string const& code, json::object extra = {}) {
        extra["method_id"] = method_id;
        extra["otp"] = code;
        return post("/v1/auth/otps/verify", extra);
    }
};

std::string wrong_code(std::string const& code) { return code == "111111" ? "222222" : "111111"; }

std::string str(reply const& r, char const* key) { return std::string(r.json.at(key).as_string()); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(verify, fixture)

BOOST_AUTO_TEST_CASE(full_login_flow_with_session_token_and_jwt) {
    auto s = send_code({{"requires_verification", true}});
    BOOST_TEST(s.code.size() == 6u);
    auto v = verify(s.method_id, s.code, {{"session_expires_in", 60}});
    BOOST_TEST_REQUIRE(v.status == 200, v.body);
    BOOST_TEST(str(v, "method_id") == s.method_id);
    BOOST_TEST(str(v, "method_type") == "phone_number");
    BOOST_TEST(str(v, "user_id") == s.user_id);
    auto token = str(v, "session_token");
    auto jwt = str(v, "session_jwt");
    BOOST_TEST(token.size() == 64u);
    auto const& session = v.json.at("session").as_object();
    BOOST_TEST(is_id(std::string(session.at("id").as_string()), "sess_"));
    BOOST_TEST(session.at("expires_at").as_int64() - session.at("started_at").as_int64() == 3600);
    auto const& factor = session.at("factors").as_array().at(0).as_object();
    BOOST_TEST(factor.at("delivery_channel").as_string() == "sms");
    BOOST_TEST(factor.at("type").as_string() == "otp");
    BOOST_TEST(factor.at("method").at("phone_number").as_string() == s.phone);

    // The phone is verified and the pending user active.
    BOOST_TEST(query_value("SELECT verified FROM phone_numbers WHERE id = '" + s.method_id + "'") == "1");
    BOOST_TEST(query_value("SELECT status FROM users WHERE id = '" + s.user_id + "'") == "active");
    // Tokens are stored hashed.
    BOOST_TEST(query_value("SELECT COUNT(*) FROM sessions WHERE factors LIKE '%" + token + "%' OR HEX(token_digest) = '" +
                           token + "'") == "0");

    auto by_token = post("/v1/auth/sessions/verify", {{"session_token", token}});
    BOOST_TEST_REQUIRE(by_token.status == 200, by_token.body);
    BOOST_TEST(by_token.json.at("session").at("id") == session.at("id"));
    auto by_jwt = post("/v1/auth/sessions/verify", {{"session_jwt", jwt}, {"session_expires_in", 120}});
    BOOST_TEST_REQUIRE(by_jwt.status == 200, by_jwt.body);
    auto const& extended = by_jwt.json.at("session").as_object();
    BOOST_TEST(extended.at("expires_at").as_int64() - extended.at("last_active_at").as_int64() == 7200);

    auto list = server.request("GET", "/v1/auth/sessions/list?user_id=" + s.user_id, "",
                               {{"Authorization", "Bearer " + keys.test_secret}});
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    BOOST_TEST(list.json.at("sessions").as_array().size() == 1u);

    auto deleted = server.request("DELETE", "/v1/auth/sessions/delete", json::serialize(json::object{{"session_token", token}}),
                                  {{"Authorization", "Bearer " + keys.test_secret}});
    BOOST_TEST_REQUIRE(deleted.status == 200, deleted.body);
    // The JWT is still unexpired, but the session is gone.
    auto after = post("/v1/auth/sessions/verify", {{"session_jwt", jwt}});
    BOOST_TEST(after.status == 404);
    BOOST_TEST(after.error_type() == "session_not_found");
}

BOOST_AUTO_TEST_CASE(a_session_jwt_verifies_with_a_standard_jose_library_against_the_served_jwks) {
    auto s = send_code();
    auto v = verify(s.method_id, s.code, {{"session_expires_in", 30}});
    BOOST_TEST_REQUIRE(v.status == 200, v.body);
    auto jwks = server.request("GET", "/v1/auth/jwks/default?api_key=" + keys.test_public);
    BOOST_TEST_REQUIRE(jwks.status == 200, jwks.body);
    BOOST_TEST(!jwks.json.at("keys").as_array().empty());
    auto dir = std::string("/tmp/moonkey-jwks-") + std::to_string(::getpid());
    std::system(("mkdir -p " + dir).c_str());
    std::ofstream(dir + "/jwks.json") << jwks.body;
    std::ofstream(dir + "/token") << str(v, "session_jwt");
    auto command = std::string("/usr/bin/python3 ") + MOONKEY_SOURCE_DIR + "/test/tools/verify_jwt.py " + dir +
                   "/jwks.json " + dir + "/token " + keys.app_id + " > " + dir + "/claims.json";
    BOOST_TEST(std::system(command.c_str()) == 0);
    std::ifstream claims_file(dir + "/claims.json");
    std::string claims_text((std::istreambuf_iterator<char>(claims_file)), {});
    auto claims = boost::json::parse(claims_text).as_object();
    BOOST_TEST(claims.at("sub").as_string() == s.user_id);
    BOOST_TEST(claims.at("iss").as_string() == keys.app_id);
    BOOST_TEST(claims.at("exp").as_int64() - claims.at("iat").as_int64() == 300);
    BOOST_TEST(claims.at("https://streambird.io/jwt/session").at("user_id").as_string() == s.user_id);
    // Another app's key cannot use this JWT.
    auto other = server.create_app("Other");
    auto foreign = post("/v1/auth/sessions/verify", {{"session_jwt", str(v, "session_jwt")}}, other.test_secret);
    BOOST_TEST(foreign.status == 404);
}

BOOST_AUTO_TEST_CASE(a_code_verifies_once_and_expires) {
    auto s = send_code({{"expires_in", 2}});
    BOOST_TEST(verify(s.method_id, s.code).status == 200);
    auto again = verify(s.method_id, s.code);
    BOOST_TEST(again.status == 401);
    BOOST_TEST(again.error_type() == "otp_expired");

    auto late = send_code({{"expires_in", 2}});
    server.advance(std::chrono::seconds(121));
    auto expired = verify(late.method_id, late.code);
    BOOST_TEST(expired.status == 401);
    BOOST_TEST(expired.error_type() == "otp_expired");
}

BOOST_AUTO_TEST_CASE(five_wrong_codes_kill_the_code_and_the_counter_survives_the_error) {
    auto s = send_code();
    for (int i = 1; i <= 5; ++i) {
        auto r = verify(s.method_id, wrong_code(s.code));
        BOOST_TEST(r.status == 401);
        BOOST_TEST(r.error_type() == "invalid_otp");
        BOOST_TEST(query_value("SELECT failed_attempts FROM otps WHERE method_id = '" + s.method_id + "'") ==
                   std::to_string(i));
    }
    auto right = verify(s.method_id, s.code);
    BOOST_TEST(right.status == 429);
    BOOST_TEST(right.error_type() == "too_many_attempts");
}

BOOST_AUTO_TEST_CASE(unknown_methods_and_bad_input) {
    auto unknown = verify(new_id("pn_"), "123456");
    BOOST_TEST(unknown.status == 404);
    BOOST_TEST(unknown.error_type() == "otp_not_found");
    auto s = send_code();
    BOOST_TEST(verify(s.method_id, "12345").error_type() == "invalid_request");
    BOOST_TEST(verify(s.method_id, "abcdef").error_type() == "invalid_request");
    BOOST_TEST(post("/v1/auth/otps/verify", {{"otp", "123456"}}).error_type() == "invalid_request");
    BOOST_TEST(verify(s.method_id, s.code, {{"session_expires_in", 4}}).error_type() == "invalid_request");
    BOOST_TEST(verify(s.method_id, s.code, {{"session_expires_in", 525601}}).error_type() == "invalid_request");
    // None of those used the code.
    BOOST_TEST(verify(s.method_id, s.code).status == 200);
    // Another environment does not see the method.
    auto live = send_code();
    BOOST_TEST(post("/v1/auth/otps/verify", {{"method_id", live.method_id}, {"otp", live.code}}, keys.live_secret).status ==
               404);
}

BOOST_AUTO_TEST_CASE(a_replaced_code_is_simply_wrong) {
    auto s = send_code();
    auto again = post("/v1/auth/otps/sms/send", {{"phone_number", s.phone}});
    BOOST_TEST_REQUIRE(again.status == 200, again.body);
    BOOST_TEST(str(again, "phone_number_id") == s.method_id);
    auto newer = server.code_sent_to(s.phone, 2);
    if (newer != s.code) BOOST_TEST(verify(s.method_id, s.code).error_type() == "invalid_otp");
    BOOST_TEST(verify(s.method_id, newer).status == 200);
}

BOOST_AUTO_TEST_CASE(send_needs_an_existing_phone_number_or_email) {
    auto r = post("/v1/auth/otps/sms/send", {{"phone_number", unique_phone()}});
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.error_type() == "phone_number_not_found");
    auto e = post("/v1/auth/otps/email/send", {{"email", unique_email()}});
    BOOST_TEST(e.status == 404);
    BOOST_TEST(e.error_type() == "email_not_found");
    auto address = unique_email();
    BOOST_TEST(post("/v1/auth/otps/email/login_or_create", {{"email", address}}).status == 200);
    auto sent = post("/v1/auth/otps/email/send", {{"email", address}});
    BOOST_TEST_REQUIRE(sent.status == 200, sent.body);
    BOOST_TEST(sent.json.as_object().contains("email_id"));
    BOOST_TEST(server.code_sent_to(address, 2).size() == 6u);
}

BOOST_AUTO_TEST_CASE(fifty_concurrent_verifies_of_one_right_code_give_one_success) {
    auto s = send_code();
    std::vector<reply> replies(50);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < replies.size(); ++i)
        threads.emplace_back([&, i] { replies[i] = verify(s.method_id, s.code); });
    for (auto& t : threads) t.join();
    int ok = 0;
    for (auto const& r : replies) {
        if (r.status == 200) {
            ++ok;
        } else {
            BOOST_TEST(r.error_type() == "otp_expired", r.body);
        }
    }
    BOOST_TEST(ok == 1);
}

BOOST_AUTO_TEST_CASE(a_session_is_extended_by_a_second_factor) {
    auto s = send_code();
    auto first = verify(s.method_id, s.code, {{"session_expires_in", 60}});
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    auto token = str(first, "session_token");
    // The same user adds an email and verifies it into the same session.
    auto address = unique_email();
    auto added = server.request("PUT", "/v1/auth/users/" + s.user_id + "/update",
                                json::serialize(json::object{{"emails", json::array{json::object{{"email", address}}}}}),
                                {{"Authorization", "Bearer " + keys.test_secret}});
    BOOST_TEST_REQUIRE(added.status == 200, added.body);
    auto email_sent = post("/v1/auth/otps/email/send", {{"email", address}});
    BOOST_TEST_REQUIRE(email_sent.status == 200, email_sent.body);
    auto second = verify(str(email_sent, "email_id"), server.code_sent_to(address),
                         {{"session_token", token}, {"session_expires_in", 90}});
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    BOOST_TEST(second.json.at("session").at("id") == first.json.at("session").at("id"));
    BOOST_TEST(second.json.at("session").at("factors").as_array().size() == 2u);
    BOOST_TEST(str(second, "session_token") == token);
}

BOOST_AUTO_TEST_CASE(a_session_jwt_names_the_session_to_extend) {
    auto s = send_code();
    auto first = verify(s.method_id, s.code, {{"session_expires_in", 60}});
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    auto again = post("/v1/auth/otps/sms/send", {{"phone_number", s.phone}});
    BOOST_TEST_REQUIRE(again.status == 200, again.body);
    auto second = verify(s.method_id, server.code_sent_to(s.phone, 2),
                         {{"session_jwt", str(first, "session_jwt")}, {"session_expires_in", 600}});
    BOOST_TEST_REQUIRE(second.status == 200, second.body);
    auto const& session = second.json.at("session").as_object();
    BOOST_TEST(session.at("id") == first.json.at("session").at("id"));
    BOOST_TEST(session.at("expires_at").as_int64() - session.at("last_active_at").as_int64() == 36000);
    BOOST_TEST(session.at("factors").as_array().size() == 1u);  // the same factor is not added twice
    // A tampered JWT names nothing.
    auto jwt = str(first, "session_jwt");
    jwt[jwt.size() / 2] = jwt[jwt.size() / 2] == 'A' ? 'B' : 'A';
    auto third_send = post("/v1/auth/otps/sms/send", {{"phone_number", s.phone}});
    BOOST_TEST_REQUIRE(third_send.status == 200);
    auto forged = verify(s.method_id, server.code_sent_to(s.phone, 3), {{"session_jwt", jwt}});
    BOOST_TEST(forged.error_type() == "session_not_found");
}

BOOST_AUTO_TEST_CASE(a_session_of_another_user_cannot_be_extended_and_the_code_survives) {
    auto alice = send_code();
    auto session = verify(alice.method_id, alice.code, {{"session_expires_in", 60}});
    auto bob = send_code();
    auto stolen = verify(bob.method_id, bob.code, {{"session_token", str(session, "session_token")}});
    BOOST_TEST(stolen.status == 404);
    BOOST_TEST(stolen.error_type() == "session_not_found");
    BOOST_TEST(verify(bob.method_id, bob.code).status == 200);
}

BOOST_AUTO_TEST_CASE(fingerprint_match_is_enforced_when_the_app_asks_for_it) {
    // Set before the app's first request, so no instance has its key record cached yet.
    BOOST_TEST_REQUIRE(server.set_app_setting(keys.app_id, "fingerprint_match", "ip"));
    json::object fp{{"ip", "198.51.100.7"}, {"user_agent", "Firefox"}};
    auto s = send_code({{"device_fingerprint", fp}});
    auto other_ip = verify(s.method_id, s.code, {{"device_fingerprint", json::object{{"ip", "198.51.100.8"}, {"user_agent", "Firefox"}}}});
    BOOST_TEST(other_ip.status == 401);
    BOOST_TEST(other_ip.error_type() == "device_fingerprint_mismatch");
    auto same_ip = verify(s.method_id, s.code, {{"device_fingerprint", json::object{{"ip", "198.51.100.7"}, {"user_agent", "Chrome"}}}});
    BOOST_TEST(same_ip.status == 200, same_ip.body);
}

BOOST_AUTO_TEST_CASE(sandbox_values_send_nothing_and_accept_000000) {
    auto sms = post("/v1/auth/otps/sms/login_or_create", {{"phone_number", "+10000000000"}});
    BOOST_TEST_REQUIRE(sms.status == 200, sms.body);
    BOOST_TEST(verify(str(sms, "phone_number_id"), "000000").status == 200);
    auto email = post("/v1/auth/otps/email/login_or_create", {{"email", "sandbox@moonkey.fun"}});
    BOOST_TEST_REQUIRE(email.status == 200, email.body);
    BOOST_TEST(verify(str(email, "email_id"), "000000").status == 200);
    BOOST_TEST(server.deliveries_to("+10000000000") == 0u);
    BOOST_TEST(query_value("SELECT COUNT(*) FROM outbox WHERE destination IN ('+10000000000', 'sandbox@moonkey.fun')") == "0");
    // Live keys get no sandbox.
    auto live = post("/v1/auth/otps/sms/login_or_create", {{"phone_number", "+10000000000"}}, keys.live_secret);
    BOOST_TEST(live.error_type() == "invalid_phone_number");
}

BOOST_AUTO_TEST_CASE(public_tokens_work_on_otp_endpoints_only) {
    auto s = send_code();
    auto v = post("/v1/auth/otps/verify", {{"method_id", s.method_id}, {"otp", s.code}, {"session_expires_in", 10}},
                  keys.test_public);
    BOOST_TEST_REQUIRE(v.status == 200, v.body);
    auto sessions = post("/v1/auth/sessions/verify", {{"session_token", str(v, "session_token")}}, keys.test_public);
    BOOST_TEST(sessions.status == 401);
    BOOST_TEST(sessions.error_type() == "unauthorized_credentials");
    auto user = server.request("GET", "/v1/auth/users/" + s.user_id, "", {{"Authorization", "Bearer " + keys.test_public}});
    BOOST_TEST(user.status == 401);
}

BOOST_AUTO_TEST_CASE(session_delete_needs_exactly_one_selector) {
    auto del = [&](json::object body) {
        return server.request("DELETE", "/v1/auth/sessions/delete", json::serialize(body),
                              {{"Authorization", "Bearer " + keys.test_secret}});
    };
    BOOST_TEST(del({}).error_type() == "invalid_request");
    BOOST_TEST(del({{"session_id", "sess_x"}, {"session_token", "y"}}).error_type() == "invalid_request");
    BOOST_TEST(del({{"session_id", new_id("sess_")}}).error_type() == "session_not_found");
    auto list = server.request("GET", "/v1/auth/sessions/list", "", {{"Authorization", "Bearer " + keys.test_secret}});
    BOOST_TEST(list.error_type() == "invalid_request");
    auto unknown = server.request("GET", "/v1/auth/sessions/list?user_id=" + new_id("user_"), "",
                                  {{"Authorization", "Bearer " + keys.test_secret}});
    BOOST_TEST(unknown.error_type() == "user_not_found");
}

BOOST_AUTO_TEST_SUITE_END()
