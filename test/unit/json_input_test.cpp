#include <boost/test/unit_test.hpp>

#include "moonkey/api/json_input.hpp"

#include <boost/json/parse.hpp>

using namespace moonkey;
namespace json = boost::json;

namespace {

json::object obj(char const* text) { return json::parse(text).as_object(); }

http::request with_body(std::string body) {
    http::request req{http::verb::post, "/", 11};
    req.body() = std::move(body);
    return req;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_input)

BOOST_AUTO_TEST_CASE(whole_numbers_may_be_sent_as_floats_but_not_as_fractions) {
    BOOST_TEST(*api::optional_whole_number(obj(R"({"n":3})"), "n").value() == 3);
    BOOST_TEST(*api::optional_whole_number(obj(R"({"n":3.0})"), "n").value() == 3);
    BOOST_TEST(!api::optional_whole_number(obj(R"({"n":null})"), "n").value().has_value());
    BOOST_TEST(!api::optional_whole_number(obj(R"({})"), "n").value().has_value());
    for (auto bad : {R"({"n":2.5})", R"({"n":"3"})", R"({"n":true})", R"({"n":1e300})", R"({"n":18446744073709551615})"}) {
        auto r = api::optional_whole_number(obj(bad), "n");
        BOOST_TEST(!r.has_value(), bad);
        BOOST_TEST((r.error().code == errc::invalid_request));
        BOOST_TEST(r.error().message.starts_with("n must be"));
    }
}

BOOST_AUTO_TEST_CASE(strings_and_booleans_are_typed) {
    BOOST_TEST(api::required_string(obj(R"({"s":"x"})"), "s").value() == "x");
    BOOST_TEST(api::required_string(obj(R"({"s":""})"), "s").error().message == "s is required");
    BOOST_TEST(api::required_string(obj(R"({})"), "s").error().message == "s is required");
    BOOST_TEST(!api::required_string(obj(R"({"s":1})"), "s").has_value());
    BOOST_TEST(*api::optional_bool(obj(R"({"b":true})"), "b").value());
    BOOST_TEST(!api::optional_bool(obj(R"({"b":"true"})"), "b").has_value());
}

BOOST_AUTO_TEST_CASE(bodies_must_be_json_objects) {
    BOOST_TEST(api::json_body(with_body("")).value().empty());
    BOOST_TEST(api::json_body(with_body(R"({"a":1})")).value().size() == 1u);
    BOOST_TEST(!api::json_body(with_body("[1]")).has_value());
    BOOST_TEST(!api::json_body(with_body("{")).has_value());
    BOOST_TEST(!api::json_body(with_body("{} x")).has_value());
    std::string deep(100, '[');
    BOOST_TEST(!api::json_body(with_body(R"({"a":)" + deep)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
