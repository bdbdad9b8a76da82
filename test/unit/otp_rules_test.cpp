#include <boost/test/unit_test.hpp>

#include "moonkey/domain/otp_service.hpp"

using namespace moonkey;

BOOST_AUTO_TEST_SUITE(otp_rules)

BOOST_AUTO_TEST_CASE(lifetime_is_1_to_10_minutes_defaulting_to_1) {
    BOOST_TEST(otp_lifetime_minutes(std::nullopt).value() == 1);
    BOOST_TEST(otp_lifetime_minutes(0).value() == 1);
    BOOST_TEST(otp_lifetime_minutes(1).value() == 1);
    BOOST_TEST(otp_lifetime_minutes(10).value() == 10);
    BOOST_TEST(!otp_lifetime_minutes(11).has_value());
    BOOST_TEST(!otp_lifetime_minutes(-1).has_value());
}

BOOST_AUTO_TEST_CASE(destinations_are_normalized_per_channel) {
    BOOST_TEST(normalize_destination(channel::sms, "+1 (415) 555-2671").value() == "+14155552671");
    BOOST_TEST(normalize_destination(channel::email, " Ann@Example.COM ").value() == "ann@example.com");
    BOOST_TEST((normalize_destination(channel::sms, "415").error().code == errc::invalid_phone_number));
    BOOST_TEST((normalize_destination(channel::email, "ann").error().code == errc::invalid_email));
}

BOOST_AUTO_TEST_SUITE_END()
