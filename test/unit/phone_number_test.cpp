#include <boost/test/unit_test.hpp>

#include "moonkey/domain/phone_number.hpp"

using namespace moonkey;

namespace {

phone_number parse_ok(std::string_view input) {
    auto const parsed = parse_phone_number(input);
    BOOST_TEST_REQUIRE(parsed.has_value(),
                       "rejected " << input << ": " << (parsed ? "" : parsed.error().message));
    return *parsed;
}

void expect_invalid(std::string_view input, std::string_view message_part = "") {
    auto const parsed = parse_phone_number(input);
    BOOST_TEST_REQUIRE(!parsed.has_value(), "accepted " << input);
    BOOST_TEST((parsed.error().code == errc::invalid_phone_number));
    BOOST_TEST(parsed.error().message.find(message_part) != std::string::npos,
               "message for " << input << ": " << parsed.error().message);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phone_number_test)

BOOST_AUTO_TEST_CASE(parses_valid_numbers_by_country) {
    auto const us = parse_ok("+14155552671");
    BOOST_TEST(us.e164 == "+14155552671");
    BOOST_TEST(us.region == "US");
    BOOST_TEST(us.type == "fixed_line_or_mobile");

    auto const gb = parse_ok("+442079460958");
    BOOST_TEST(gb.e164 == "+442079460958");
    BOOST_TEST(gb.region == "GB");
    BOOST_TEST(gb.type == "fixed_line");

    auto const fr = parse_ok("+33612345678");
    BOOST_TEST(fr.e164 == "+33612345678");
    BOOST_TEST(fr.region == "FR");
    BOOST_TEST(fr.type == "mobile");

    auto const de = parse_ok("+4930123456");
    BOOST_TEST(de.e164 == "+4930123456");
    BOOST_TEST(de.region == "DE");
    BOOST_TEST(de.type == "fixed_line");
}

BOOST_AUTO_TEST_CASE(region_follows_the_number_within_a_shared_country_code) {
    BOOST_TEST(parse_ok("+16135550123").region == "CA");  // Ottawa, +1 like the US
    BOOST_TEST(parse_ok("+12015550123").region == "US");
}

BOOST_AUTO_TEST_CASE(reports_number_types) {
    BOOST_TEST(parse_ok("+18002345678").type == "toll_free");
    BOOST_TEST(parse_ok("+447400123456").type == "mobile");
    BOOST_TEST(parse_ok("+447400123456").region == "GB");
    BOOST_TEST(parse_ok("+4915123456789").type == "mobile");
}

BOOST_AUTO_TEST_CASE(finds_the_region_among_those_sharing_a_country_code) {
    // Each of these calling codes serves several regions: the number's own patterns decide.
    BOOST_TEST(parse_ok("+18762345678").region == "JM");
    BOOST_TEST(parse_ok("+441624812345").region == "IM");
    BOOST_TEST(parse_ok("+447911123456").region == "GG");
    BOOST_TEST(parse_ok("+77011234567").region == "KZ");
    BOOST_TEST(parse_ok("+61891641234").region == "CX");
    BOOST_TEST(parse_ok("+262692123456").region == "RE");
    auto const toll_free = parse_ok("+80012345678");  // non-geographic: the "world" region
    BOOST_TEST(toll_free.region == "001");
    BOOST_TEST(toll_free.type == "toll_free");
}

BOOST_AUTO_TEST_CASE(reports_the_types_the_sms_policy_refuses) {
    BOOST_TEST(parse_ok("+19005550123").type == "premium_rate");
    BOOST_TEST(parse_ok("+33812345678").type == "premium_rate");
    BOOST_TEST(parse_ok("+16135550123").type == "fixed_line_or_mobile");
}

BOOST_AUTO_TEST_CASE(drops_a_national_prefix_after_the_country_code) {
    BOOST_TEST(parse_ok("+44 020 7946 0958").e164 == "+442079460958");
    BOOST_TEST(parse_ok("+114155552671").e164 == "+14155552671");
}

BOOST_AUTO_TEST_CASE(rejects_numbers_of_a_possible_length_that_match_no_pattern) {
    // NANPA exchanges never start with 0 or 1; ten digits are a possible length all the same.
    expect_invalid("+14150552671", "not a valid number for its country code");
    expect_invalid("+14151552671", "not a valid number for its country code");
    expect_invalid("+3969812345678", "not a valid number for its country code");
    expect_invalid("+8001234567", "too short for its country code");
}

BOOST_AUTO_TEST_CASE(strips_formatting_characters) {
    BOOST_TEST(parse_ok("+1 (415) 555-2671").e164 == "+14155552671");
    BOOST_TEST(parse_ok("+44 20 7946 0958").e164 == "+442079460958");
    BOOST_TEST(parse_ok("+33 6.12.34.56.78").e164 == "+33612345678");
    BOOST_TEST(parse_ok("  +14155552671\t\n").e164 == "+14155552671");
}

BOOST_AUTO_TEST_CASE(requires_a_leading_plus) {
    expect_invalid("14155552671", "E.164");
    expect_invalid("(415) 555-2671", "E.164");
    expect_invalid("0044 20 7946 0958", "E.164");
    expect_invalid("1+4155552671", "E.164");
}

BOOST_AUTO_TEST_CASE(rejects_other_characters) {
    expect_invalid("+1415555CALL", "only digits");
    expect_invalid("+1 800 FLOWERS", "only digits");
    expect_invalid("+14155552671 ext. 12", "only digits");
    expect_invalid("+1415/555/2671", "only digits");
    expect_invalid("+1415555267\xd9\xa1", "only digits");  // an Arabic-Indic digit
    expect_invalid("++14155552671", "only digits");
}

BOOST_AUTO_TEST_CASE(rejects_wrong_lengths) {
    expect_invalid("", "required");
    expect_invalid("   ", "required");
    expect_invalid("+", "no digits");
    expect_invalid("+ ( ) -", "no digits");
    expect_invalid("+1", "too short");
    expect_invalid("+1415", "too short");
    expect_invalid("+141555526", "too short");
    expect_invalid("+1415555267123");
    expect_invalid("+14155552671234567", "more than 15 digits");
    expect_invalid("+1 415 555 2671                    ", "too long");  // over 32 characters
}

BOOST_AUTO_TEST_CASE(rejects_invalid_numbers) {
    expect_invalid("+999123456789", "country code");
    expect_invalid("+10005552671");  // US area codes never start with 0
    expect_invalid("+4400000000000");
}

BOOST_AUTO_TEST_CASE(messages_do_not_echo_the_input) {
    for (std::string_view const input :
         {"13125550199", "+1312555CALL", "+10125550199", "+1312550199000000"}) {
        auto const parsed = parse_phone_number(input);
        BOOST_TEST_REQUIRE(!parsed.has_value());
        BOOST_TEST(parsed.error().message.find("0199") == std::string::npos);
        BOOST_TEST(parsed.error().message.find("CALL") == std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
