// The HTTP core over a real socket: routing, limits, media types, request ids, operations endpoints.

#include "raw_socket.hpp"
#include "test_server.hpp"

#include <boost/test/unit_test.hpp>

using namespace moonkey::test;

namespace {

struct fixture {
    test_server server;
    app_keys keys = server.create_app();
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(http_core, fixture)

BOOST_AUTO_TEST_CASE(a_request_that_never_finishes_is_cut_off_at_the_read_deadline) {
    // The test server's read deadline is 2 s; the headers never end.
    BOOST_TEST(server_closes_after(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    BOOST_TEST(server_closes_after(server.port(), "POST /v1/auth/otps/sms/login_or_create HTTP/1.1\r\nHost: x\r\n"
                                                  "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"));
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(health_and_readiness_answer) {
    auto health = server.get("/healthz");
    BOOST_TEST(health.status == 200);
    BOOST_TEST(health.json.at("status").as_string() == "ok");
    auto ready = server.get("/readyz");
    BOOST_TEST(ready.status == 200, ready.body);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404_and_wrong_methods_405) {
    auto missing = server.get("/v1/nothing/here");
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(missing.error_type() == "not_found");
    auto wrong = server.get("/v1/auth/otps/sms/login_or_create");
    BOOST_TEST(wrong.status == 405);
    BOOST_TEST(wrong.error_type() == "method_not_allowed");
    BOOST_TEST(wrong.headers["Allow"] == "POST");
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_json_is_415) {
    auto r = server.request("POST", "/v1/auth/otps/sms/login_or_create", R"({"phone_number":"+14155552671"})",
                            {{"Authorization", "Bearer " + keys.test_secret}, {"Content-Type", "text/plain"}});
    BOOST_TEST(r.status == 415);
    BOOST_TEST(r.error_type() == "unsupported_media_type");
    auto with_charset =
        server.request("POST", "/v1/auth/otps/sms/login_or_create", R"({"phone_number":"+14155552671"})",
                       {{"Authorization", "Bearer " + keys.test_secret},
                        {"Content-Type", "application/json; charset=utf-8"}});
    BOOST_TEST(with_charset.status == 200, with_charset.body);
}

BOOST_AUTO_TEST_CASE(get_without_body_ignores_the_content_type) {
    auto r = server.request("GET", "/healthz", "", {{"Content-Type", "application/json"}});
    BOOST_TEST(r.status == 200);
}

BOOST_AUTO_TEST_CASE(request_ids_are_echoed_when_valid_and_made_otherwise) {
    auto echoed = server.request("GET", "/healthz", "", {{"X-Request-Id", "abc.DEF_1:2-3"}});
    BOOST_TEST(echoed.headers["X-Request-Id"] == "abc.DEF_1:2-3");
    auto replaced = server.request("GET", "/healthz", "", {{"X-Request-Id", "bad id!"}});
    BOOST_TEST(replaced.headers["X-Request-Id"] != "bad id!");
    BOOST_TEST(!replaced.headers["X-Request-Id"].empty());
    auto made = server.get("/nothing");
    BOOST_TEST(made.json.at("request_id").as_string() == made.headers["X-Request-Id"]);
}

BOOST_AUTO_TEST_CASE(a_body_over_64_kib_is_413) {
    std::string big = R"({"phone_number":"+14155552671","pad":")" + std::string(70 * 1024, 'x') + "\"}";
    auto r = server.request("POST", "/v1/auth/otps/sms/login_or_create", big,
                            {{"Authorization", "Bearer " + keys.test_secret}});
    BOOST_TEST(r.status == 413);
    BOOST_TEST(r.error_type() == "payload_too_large");
}

BOOST_AUTO_TEST_CASE(headers_over_8_kib_are_refused_with_431) {
    auto answer = raw_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                                  std::string(9000, 'a') + "\r\n\r\n");
    BOOST_TEST(answer.starts_with("HTTP/1.1 431"), answer.substr(0, 40));
}

BOOST_AUTO_TEST_CASE(malformed_http_gets_400_and_the_server_carries_on) {
    auto answer = raw_exchange(server.port(), "GARBAGE\r\n\r\n");
    BOOST_TEST(answer.starts_with("HTTP/1.1 400"), answer.substr(0, 40));
    BOOST_TEST(server.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_several_requests_on_one_connection) {
    auto answer = raw_exchange(server.port(),
                               "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::size_t count = 0;
    for (auto at = answer.find("HTTP/1.1 200"); at != std::string::npos; at = answer.find("HTTP/1.1 200", at + 1))
        ++count;
    BOOST_TEST(count == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
