// Which address a request comes from, behind the load balancers the server trusts.

#include "moonkey/core/trusted_proxies.hpp"

#include <boost/test/unit_test.hpp>

using namespace moonkey;

BOOST_AUTO_TEST_SUITE(trusted_proxies_suite)

BOOST_AUTO_TEST_CASE(the_peer_is_the_client_when_no_proxy_is_trusted) {
    auto none = trusted_proxies::parse("").value();
    BOOST_TEST(none.client_address("127.0.0.1", "198.51.100.7") == "127.0.0.1");
    BOOST_TEST(none.client_address("::ffff:192.0.2.1", "198.51.100.7") == "192.0.2.1");
    BOOST_TEST(none.client_address("2001:DB8::5", "198.51.100.7") == "2001:db8::5");
    BOOST_TEST(none.client_address("not an address", "198.51.100.7") == "not an address");
    BOOST_TEST(none.client_address("", "198.51.100.7") == "");
}

BOOST_AUTO_TEST_CASE(a_trusted_peer_hands_over_to_x_forwarded_for) {
    auto proxies = trusted_proxies::parse("10.0.0.0/8, 127.0.0.1,::1").value();
    BOOST_TEST(proxies.client_address("127.0.0.1", "198.51.100.7") == "198.51.100.7");
    // The client may have sent its own X-Forwarded-For: only the right-most untrusted hop counts.
    BOOST_TEST(proxies.client_address("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3") == "198.51.100.7");
    BOOST_TEST(proxies.client_address("::1", "2001:db8::5") == "2001:db8::5");
    BOOST_TEST(proxies.client_address("127.0.0.1", "") == "127.0.0.1");
    BOOST_TEST(proxies.client_address("127.0.0.1", "10.0.0.1, garbage") == "127.0.0.1");
    BOOST_TEST(proxies.client_address("::ffff:127.0.0.1", "198.51.100.7") == "198.51.100.7");
    // An untrusted peer's header is ignored.
    BOOST_TEST(proxies.client_address("192.0.2.1", "198.51.100.7") == "192.0.2.1");
}

BOOST_AUTO_TEST_CASE(networks_match_by_prefix) {
    auto proxies = trusted_proxies::parse("192.168.4.0/22,2001:db8::/32").value();
    BOOST_TEST(proxies.contains(boost::asio::ip::make_address("192.168.7.255")));
    BOOST_TEST(!proxies.contains(boost::asio::ip::make_address("192.168.8.0")));
    BOOST_TEST(proxies.contains(boost::asio::ip::make_address("2001:db8:ffff::1")));
    BOOST_TEST(!proxies.contains(boost::asio::ip::make_address("2001:db9::1")));
}

BOOST_AUTO_TEST_CASE(bad_entries_are_named) {
    auto bad = trusted_proxies::parse("10.0.0.0/8, example.com");
    BOOST_TEST_REQUIRE(!bad);
    BOOST_TEST(bad.error().message.find("example.com") != std::string::npos);
    BOOST_TEST(!trusted_proxies::parse("10.0.0.0/33"));
    BOOST_TEST(!trusted_proxies::parse("10.0.0.0/x"));
}

BOOST_AUTO_TEST_SUITE_END()
