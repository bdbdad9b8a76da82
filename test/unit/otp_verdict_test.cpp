#include <boost/test/unit_test.hpp>

#include "moonkey/domain/otp_code.hpp"
#include "moonkey/domain/otp_verdict.hpp"

using namespace moonkey;

namespace {

struct fixture {
    stored_otp stored;
    otp_attempt attempt;
    fixture() {
        stored.code_digest = otp_code_digest("secret", "pn_1", "123456");
        stored.expires_at = 1000;
        stored.fingerprint = {"198.51.100.1", "Firefox"};
        attempt.code_digest = stored.code_digest;
        attempt.now = 999;
        attempt.fingerprint = stored.fingerprint;
    }
    std::optional<errc> refusal() const {
        auto v = judge_otp(stored, attempt);
        return v.refusal ? std::optional<errc>(v.refusal->code) : std::nullopt;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(otp_verdict_rules, fixture)

BOOST_AUTO_TEST_CASE(the_right_code_in_time_is_accepted) {
    auto v = judge_otp(stored, attempt);
    BOOST_TEST(!v.refusal.has_value());
    BOOST_TEST(!v.count_failure);
}

BOOST_AUTO_TEST_CASE(a_wrong_code_is_refused_and_counted) {
    attempt.code_digest = otp_code_digest("secret", "pn_1", "654321");
    auto v = judge_otp(stored, attempt);
    BOOST_TEST((v.refusal->code == errc::invalid_otp));
    BOOST_TEST(v.count_failure);
}

BOOST_AUTO_TEST_CASE(expiry_and_use_come_first) {
    attempt.now = 1000;
    BOOST_TEST((refusal() == errc::otp_expired));
    attempt.now = 1;
    stored.used = true;
    stored.failed_attempts = 5;
    BOOST_TEST((refusal() == errc::otp_expired));
}

BOOST_AUTO_TEST_CASE(five_failures_lock_even_the_right_code) {
    stored.failed_attempts = 4;
    BOOST_TEST(!refusal().has_value());
    stored.failed_attempts = 5;
    BOOST_TEST((refusal() == errc::too_many_attempts));
    BOOST_TEST(!judge_otp(stored, attempt).count_failure);
}

BOOST_AUTO_TEST_CASE(fingerprints_are_compared_as_the_app_asks) {
    attempt.fingerprint = {"198.51.100.2", "Firefox"};
    BOOST_TEST(!refusal().has_value());  // policy none
    attempt.policy = fingerprint_match::ip;
    BOOST_TEST((refusal() == errc::device_fingerprint_mismatch));
    attempt.policy = fingerprint_match::user_agent;
    BOOST_TEST(!refusal().has_value());
    attempt.policy = fingerprint_match::both;
    BOOST_TEST((refusal() == errc::device_fingerprint_mismatch));
    attempt.fingerprint = stored.fingerprint;
    BOOST_TEST(!refusal().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(app_settings_rules)

BOOST_AUTO_TEST_CASE(settings_default_and_per_environment_overrides_apply) {
    auto defaults = parse_app_settings("{}", environment::test);
    BOOST_TEST((defaults.fingerprint == fingerprint_match::none));
    BOOST_TEST(defaults.default_locale == "en");

    auto json = set_app_setting("{}", "fingerprint_match", "ip", std::nullopt).value();
    json = set_app_setting(json, "fingerprint_match", "both", environment::live).value();
    BOOST_TEST((parse_app_settings(json, environment::test).fingerprint == fingerprint_match::ip));
    BOOST_TEST((parse_app_settings(json, environment::live).fingerprint == fingerprint_match::both));
    BOOST_TEST((parse_app_settings("not json", environment::live).fingerprint == fingerprint_match::none));
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_bad_values_are_named) {
    auto unknown = set_app_setting("{}", "colour", "blue", std::nullopt);
    BOOST_TEST_REQUIRE(!unknown.has_value());
    BOOST_TEST(unknown.error().message.find("colour") != std::string::npos);
    BOOST_TEST(!set_app_setting("{}", "fingerprint_match", "always", std::nullopt).has_value());
    BOOST_TEST(!set_app_setting("{}", "default_locale", "xx", std::nullopt).has_value());
    BOOST_TEST(set_app_setting("{}", "default_locale", "pt-br", std::nullopt).has_value());
    BOOST_TEST(!set_app_setting("{}", "domain", "not a domain", std::nullopt).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
