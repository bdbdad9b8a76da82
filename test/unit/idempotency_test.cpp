#include <boost/test/unit_test.hpp>

#include "moonkey/api/idempotency.hpp"

#include <boost/json/parse.hpp>

using namespace moonkey;

namespace {

http::request with_key(std::string const& key) {
    http::request req{http::verb::post, "/v1/auth/otps/verify", 11};
    req.set("Idempotency-Key", key);
    return req;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency)

BOOST_AUTO_TEST_CASE(a_key_is_1_to_255_visible_ascii_characters) {
    http::request none{http::verb::post, "/", 11};
    auto absent = api::idempotency_key_of(none);
    BOOST_TEST_REQUIRE(absent.has_value());
    BOOST_TEST(!absent->has_value());

    auto good = api::idempotency_key_of(with_key("8e03978e-40d5-43e8-bc93-6894a57f9324"));
    BOOST_TEST_REQUIRE(good.has_value());
    BOOST_TEST(**good == "8e03978e-40d5-43e8-bc93-6894a57f9324");
    BOOST_TEST(api::idempotency_key_of(with_key(std::string(255, '~'))).has_value());

    for (auto const& bad : {std::string(), std::string(256, 'a'), std::string("a b"), std::string("tab\there"),
                            std::string("\x7f"), std::string("caf\xc3\xa9")}) {
        auto refused = api::idempotency_key_of(with_key(bad));
        BOOST_TEST_REQUIRE(!refused.has_value(), bad);
        BOOST_TEST((refused.error().code == errc::invalid_request));
    }
}

BOOST_AUTO_TEST_CASE(only_final_answers_are_stored) {
    for (unsigned s : {200u, 201u, 400u, 401u, 404u, 422u}) BOOST_TEST(api::is_replayable_status(s), s);
    for (unsigned s : {409u, 429u, 500u, 503u, 301u}) BOOST_TEST(!api::is_replayable_status(s), s);
}

BOOST_AUTO_TEST_CASE(session_credentials_are_removed) {
    auto stripped = api::without_session_secrets(
        R"({"user_id":"user_1","session_token":"tok","session_jwt":"a.b.c","session":{"session_id":"sess_1"}})");
    BOOST_TEST_REQUIRE(stripped.has_value());
    auto value = boost::json::parse(*stripped).as_object();
    BOOST_TEST(!value.contains("session_token"));
    BOOST_TEST(!value.contains("session_jwt"));
    BOOST_TEST(value.at("user_id").as_string() == "user_1");
    BOOST_TEST(value.contains("session"));

    BOOST_TEST(!api::without_session_secrets(R"({"user_id":"user_1","metadata":{"session_jwt":"x"}})"));
    BOOST_TEST(!api::without_session_secrets("not json"));
    BOOST_TEST(!api::without_session_secrets("[1,2]"));
}

BOOST_AUTO_TEST_SUITE_END()
