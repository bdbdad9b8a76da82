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
    for (auto bad : {R"({"n":2.5})", R"({"n":"3"})", R"({"n":true})"}) {
        auto r = api::optional_whole_number(obj(bad), "n");
        BOOST_TEST(!r.has_value(), bad);
        BOOST_TEST((r.error().code == errc::invalid_request));
        BOOST_TEST(r.error().message.starts_with("n must be"));
    }
}

BOOST_AUTO_TEST_CASE(huge_whole_numbers_are_out_of_range_never_wrapped_or_rounded) {
    for (auto huge : {R"({"n":1e300})", R"({"n":-1e308})", R"({"n":99999999999999999999999})",
                      R"({"n":-99999999999999999999999})", R"({"n":18446744073709551615})",
                      R"({"n":9223372036854775807})", R"({"n":-9223372036854775808})", R"({"n":9.1e15})"}) {
        auto r = api::optional_whole_number(obj(huge), "n");
        BOOST_TEST(!r.has_value(), huge);
        BOOST_TEST((r.error().code == errc::invalid_request));
        BOOST_TEST(r.error().message.starts_with("n is out of range"), huge << ": " << r.error().message);
    }
    BOOST_TEST(*api::optional_whole_number(obj(R"({"n":9000000000000000})"), "n").value() == 9000000000000000);
    BOOST_TEST(*api::optional_whole_number(obj(R"({"n":-9e15})"), "n").value() == -9000000000000000);
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

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_quickly_without_recursing) {
    for (auto opener : {'[', '{'}) {
        std::string deep = opener == '[' ? std::string(10000, '[') : std::string();
        for (int i = 0; opener == '{' && i < 10000; ++i) deep += R"({"a":)";
        auto r = api::json_body(with_body(R"({"a":)" + deep));
        BOOST_TEST(!r.has_value());
        BOOST_TEST((r.error().code == errc::invalid_request));
        BOOST_TEST(r.error().message == "the body nests arrays and objects deeper than 32 levels");
    }
    std::string nested_31 = std::string(31, '[') + std::string(31, ']');
    BOOST_TEST(api::json_body(with_body(R"({"a":)" + nested_31 + "}")).has_value());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_named_with_its_byte) {
    struct sample {
        std::string body;
        std::size_t at;
    };
    for (auto const& [body, at] : {sample{"{\"s\":\"a\xff\"}", 7}, sample{"{\"s\":\"\xc0\xaf\"}", 6},  // overlong '/'
                                   sample{"{\"s\":\"\xed\xa0\x80\"}", 6},                             // a surrogate
                                   sample{"{\"s\":\"\xf4\x90\x80\x80\"}", 6},                        // past U+10FFFF
                                   sample{"{\"s\":\"ok\xe2\x82\"}", 8}}) {                            // cut short
        auto r = api::json_body(with_body(body));
        BOOST_TEST(!r.has_value());
        BOOST_TEST((r.error().code == errc::invalid_request));
        BOOST_TEST(r.error().message == "the body is not valid UTF-8 (byte " + std::to_string(at) +
                                            "); send JSON text in UTF-8");
    }
    auto fine = api::json_body(with_body("{\"s\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"}"));
    BOOST_TEST(fine.has_value());
}

BOOST_AUTO_TEST_CASE(syntax_errors_name_the_byte) {
    auto r = api::json_body(with_body(R"({"a":1,})"));
    BOOST_TEST(r.error().message == "the body is not valid JSON (syntax error at byte 7)");
}

BOOST_AUTO_TEST_CASE(numbers_too_large_for_a_double_are_out_of_range_anywhere_in_the_body) {
    auto top = api::json_body(with_body(R"({"expires_in":1e400})"));
    BOOST_TEST(top.error().message == "expires_in is out of range; it is too large for a number");
    auto negative = api::json_body(with_body(R"({"x":-1e400})"));
    BOOST_TEST(negative.error().message.starts_with("x is out of range"));
    auto nested = api::json_body(with_body(R"({"metadata":{"a":[1,{"b":1)" + std::string(400, '0') + "}]}}"));
    BOOST_TEST(nested.error().message.starts_with("metadata.a[1].b is out of range"), nested.error().message);
    BOOST_TEST(api::json_body(with_body(R"({"x":1e308,"y":-1e308,"z":1e-400})")).has_value());
    // A key that could be a secret is not repeated (refusals may be stored for Idempotency-Key replays).
    auto secret_key = api::json_body(with_body(R"({"metadata":{"sk_live_4eC39HqLyjWDarjtT1zdp7dc":1e400}})"));
    BOOST_TEST(secret_key.error().message.starts_with("metadata.{key} is out of range"), secret_key.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
