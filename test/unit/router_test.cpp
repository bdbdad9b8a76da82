#include <boost/test/unit_test.hpp>

#include "moonkey/http/router.hpp"

using namespace moonkey;
using http::verb;

namespace {

http::router sample() {
    http::handler none = [](http::request_context&) -> boost::asio::awaitable<http::response> { co_return http::response{}; };
    http::router r;
    r.add(verb::get, "/v1/auth/users/{id}", none);
    r.add(verb::put, "/v1/auth/users/{id}/update", none);
    r.add(verb::delete_, "/v1/auth/users/{id}/delete", none);
    r.add(verb::post, "/v1/auth/users/search", none);
    r.add(verb::get, "/healthz", none);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(matches_literal_paths_and_parameters) {
    auto r = sample();
    auto health = r.match(verb::get, "/healthz");
    BOOST_TEST_REQUIRE(health.found);
    BOOST_TEST(health.found->pattern == "/healthz");

    auto user = r.match(verb::get, "/v1/auth/users/user_123");
    BOOST_TEST_REQUIRE(user.found);
    BOOST_TEST(user.params.size() == 1u);
    BOOST_TEST(user.params[0].first == "id");
    BOOST_TEST(user.params[0].second == "user_123");
}

BOOST_AUTO_TEST_CASE(a_known_path_with_another_method_is_405_with_allow) {
    auto r = sample();
    auto m = r.match(verb::post, "/healthz");
    BOOST_TEST(!m.found);
    BOOST_TEST(m.path_known);
    BOOST_TEST(m.allow == "GET");
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_not_known) {
    auto r = sample();
    for (auto path : {"/", "", "/v1", "/v1/auth/users", "/v1/auth/users//update", "/healthz/", "/healthzz", "x"}) {
        auto m = r.match(verb::get, path);
        BOOST_TEST(!m.found, path);
        BOOST_TEST(!m.path_known, path);
    }
}

BOOST_AUTO_TEST_CASE(literal_segments_are_not_parameters) {
    auto r = sample();
    auto m = r.match(verb::post, "/v1/auth/users/search");
    BOOST_TEST_REQUIRE(m.found);
    BOOST_TEST(m.found->pattern == "/v1/auth/users/search");
    auto get = r.match(verb::get, "/v1/auth/users/search");  // {id} = "search"
    BOOST_TEST(get.found);
}

BOOST_AUTO_TEST_SUITE_END()
