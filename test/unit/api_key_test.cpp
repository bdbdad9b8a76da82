#include <boost/test/unit_test.hpp>

#include "moonkey/domain/api_key.hpp"

#include <algorithm>
#include <set>

using namespace moonkey;

namespace {

bool is_base62(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_key_test)

BOOST_AUTO_TEST_CASE(generated_keys_have_prefix_and_random_part) {
    struct expectation {
        key_kind kind;
        environment env;
        std::string_view prefix;
    };
    for (auto const& [kind, env, prefix] :
         {expectation{key_kind::secret, environment::test, "sk_test_"},
          expectation{key_kind::secret, environment::live, "sk_live_"},
          expectation{key_kind::public_token, environment::test, "pk_test_"},
          expectation{key_kind::public_token, environment::live, "pk_live_"}}) {
        auto const key = generate_api_key(kind, env);
        BOOST_TEST(key.starts_with(prefix));
        BOOST_TEST(key.size() == prefix.size() + 32);
        BOOST_TEST(
            std::all_of(key.begin() + static_cast<std::ptrdiff_t>(prefix.size()), key.end(), is_base62));
        auto const claim = parse_api_key(key);
        BOOST_TEST_REQUIRE(claim.has_value());
        BOOST_TEST((claim->kind == kind));
        BOOST_TEST((claim->env == env));
    }
}

BOOST_AUTO_TEST_CASE(generated_keys_differ) {
    std::set<std::string> keys;
    for (int i = 0; i < 1000; ++i) keys.insert(generate_api_key(key_kind::secret, environment::live));
    BOOST_TEST(keys.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(parse_accepts_32_to_64_base62_characters) {
    BOOST_TEST(parse_api_key("sk_test_" + std::string(32, 'a')).has_value());
    BOOST_TEST(parse_api_key("pk_live_" + std::string(64, 'Z')).has_value());
    BOOST_TEST(!parse_api_key("sk_test_" + std::string(31, 'a')).has_value());
    BOOST_TEST(!parse_api_key("sk_test_" + std::string(65, 'a')).has_value());
}

BOOST_AUTO_TEST_CASE(parse_rejects_malformed_keys) {
    auto const body = std::string(32, '7');
    BOOST_TEST(!parse_api_key("").has_value());
    BOOST_TEST(!parse_api_key(body).has_value());
    BOOST_TEST(!parse_api_key("sk_prod_" + body).has_value());
    BOOST_TEST(!parse_api_key("rk_test_" + body).has_value());
    BOOST_TEST(!parse_api_key("SK_TEST_" + body).has_value());
    BOOST_TEST(!parse_api_key("sk_test" + body).has_value());
    BOOST_TEST(!parse_api_key(" sk_test_" + body).has_value());
    BOOST_TEST(!parse_api_key("sk_test_" + body + " ").has_value());
    BOOST_TEST(!parse_api_key("sk_test_" + body.substr(1) + "-").has_value());
    BOOST_TEST(!parse_api_key("sk_test_" + body.substr(1) + "_").has_value());
    BOOST_TEST(!parse_api_key("sk_test_" + body.substr(1) + "\xc3").has_value());
}

BOOST_AUTO_TEST_CASE(digest_is_sha256_of_the_key) {
    auto const key = generate_api_key(key_kind::secret, environment::test);
    BOOST_TEST(api_key_digest(key) == crypto::sha256(key));
    BOOST_TEST(api_key_digest(key) != api_key_digest(generate_api_key(key_kind::secret, environment::test)));
}

BOOST_AUTO_TEST_CASE(display_prefix_shows_prefix_and_four_characters) {
    BOOST_TEST(api_key_display_prefix("sk_test_ab12" + std::string(28, 'x')) == "sk_test_ab12");
    BOOST_TEST(api_key_display_prefix("pk_live_Zz09" + std::string(60, 'x')) == "pk_live_Zz09");
    auto const key = generate_api_key(key_kind::public_token, environment::test);
    BOOST_TEST(api_key_display_prefix(key) == key.substr(0, 12));
}

BOOST_AUTO_TEST_CASE(display_prefix_of_a_malformed_key_reveals_nothing_more) {
    BOOST_TEST(api_key_display_prefix("sk_test_short") == "sk_test_");
    BOOST_TEST(api_key_display_prefix("sk_live_" + std::string(31, 'a') + "!") == "sk_live_");
    BOOST_TEST(api_key_display_prefix("ghp_" + std::string(36, 'a')) == "");
    BOOST_TEST(api_key_display_prefix("") == "");
}

BOOST_AUTO_TEST_CASE(kinds_and_environments_have_names) {
    BOOST_TEST(to_string(key_kind::secret) == "secret");
    BOOST_TEST(to_string(key_kind::public_token) == "public");
    BOOST_TEST(to_string(environment::test) == "test");
    BOOST_TEST(to_string(environment::live) == "live");
    BOOST_TEST((parse_environment("test") == environment::test));
    BOOST_TEST((parse_environment("live") == environment::live));
    BOOST_TEST(!parse_environment("Live").has_value());
    BOOST_TEST(!parse_environment("").has_value());
    BOOST_TEST(!parse_environment("prod").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
