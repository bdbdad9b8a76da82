#include <boost/test/unit_test.hpp>

#include "moonkey/domain/otp_code.hpp"

#include <array>

using namespace moonkey;

BOOST_AUTO_TEST_SUITE(otp_code_test)

BOOST_AUTO_TEST_CASE(codes_are_six_digits) {
    for (int i = 0; i < 1000; ++i) {
        auto const code = generate_otp_code();
        BOOST_TEST_REQUIRE(code.size() == 6u);
        BOOST_TEST_REQUIRE(is_otp_code(code));
    }
}

BOOST_AUTO_TEST_CASE(leading_digits_cover_zero_to_nine) {
    // 20000 codes: a given first digit is missing with probability 0.9^20000 (about 1e-915), so a failure
    // means a broken generator (e.g. leading zeros dropped or a narrowed range), never bad luck.
    std::array<int, 10> first_digit_counts{};
    for (int i = 0; i < 20000; ++i) {
        auto const code = generate_otp_code();
        BOOST_TEST_REQUIRE(is_otp_code(code));
        ++first_digit_counts[static_cast<std::size_t>(code[0] - '0')];
    }
    for (std::size_t digit = 0; digit < 10; ++digit)
        BOOST_TEST(first_digit_counts[digit] > 0, "first digit " << digit << " never appeared");
}

BOOST_AUTO_TEST_CASE(digest_is_hmac_of_method_id_and_code) {
    auto const digest = otp_code_digest("secret", "otp_abc", "012345");
    BOOST_TEST(digest == crypto::hmac_sha256("secret", "otp_abc012345"));
    BOOST_TEST(digest == otp_code_digest("secret", "otp_abc", "012345"));
}

BOOST_AUTO_TEST_CASE(digest_depends_on_every_input) {
    auto const digest = otp_code_digest("secret", "otp_abc", "012345");
    BOOST_TEST(digest != otp_code_digest("secret", "otp_abd", "012345"));
    BOOST_TEST(digest != otp_code_digest("secret2", "otp_abc", "012345"));
    BOOST_TEST(digest != otp_code_digest("secret", "otp_abc", "012346"));
    BOOST_TEST(digest != otp_code_digest("secret", "otp_abc", "12345"));
}

BOOST_AUTO_TEST_CASE(is_otp_code_checks_the_form) {
    BOOST_TEST(is_otp_code("000000"));
    BOOST_TEST(is_otp_code("012345"));
    BOOST_TEST(is_otp_code("999999"));
    BOOST_TEST(!is_otp_code(""));
    BOOST_TEST(!is_otp_code("12345"));
    BOOST_TEST(!is_otp_code("1234567"));
    BOOST_TEST(!is_otp_code("12345a"));
    BOOST_TEST(!is_otp_code(" 12345"));
    BOOST_TEST(!is_otp_code("12 345"));
    BOOST_TEST(!is_otp_code("-12345"));
    BOOST_TEST(!is_otp_code("\xd9\xa1\xd9\xa2\xd9\xa3"));  // Arabic-Indic digits
}

BOOST_AUTO_TEST_SUITE_END()
