#include <boost/test/unit_test.hpp>

#include "moonkey/http/error_response.hpp"

#include <boost/json/parse.hpp>

using namespace moonkey;

BOOST_AUTO_TEST_SUITE(error_response)

BOOST_AUTO_TEST_CASE(every_error_maps_to_its_status_and_type) {
    struct row {
        errc code;
        int status;
        char const* type;
    };
    row const rows[] = {
        {errc::invalid_request, 400, "invalid_request"},
        {errc::invalid_phone_number, 400, "invalid_phone_number"},
        {errc::unsupported_phone_number, 400, "unsupported_phone_number"},
        {errc::invalid_email, 400, "invalid_email"},
        {errc::unauthorized_credentials, 401, "unauthorized_credentials"},
        {errc::invalid_otp, 401, "invalid_otp"},
        {errc::otp_expired, 401, "otp_expired"},
        {errc::device_fingerprint_mismatch, 401, "device_fingerprint_mismatch"},
        {errc::not_found, 404, "not_found"},
        {errc::otp_not_found, 404, "otp_not_found"},
        {errc::user_not_found, 404, "user_not_found"},
        {errc::email_not_found, 404, "email_not_found"},
        {errc::phone_number_not_found, 404, "phone_number_not_found"},
        {errc::session_not_found, 404, "session_not_found"},
        {errc::method_not_allowed, 405, "method_not_allowed"},
        {errc::duplicate_email, 409, "duplicate_email"},
        {errc::duplicate_phone_number, 409, "duplicate_phone_number"},
        {errc::idempotency_key_reused, 422, "idempotency_key_reused"},
        {errc::idempotency_key_in_progress, 409, "idempotency_key_in_progress"},
        {errc::payload_too_large, 413, "payload_too_large"},
        {errc::unsupported_media_type, 415, "unsupported_media_type"},
        {errc::header_too_large, 431, "request_header_fields_too_large"},
        {errc::too_many_requests, 429, "too_many_requests"},
        {errc::too_many_attempts, 429, "too_many_attempts"},
        {errc::internal_server_error, 500, "internal_server_error"},
        {errc::service_unavailable, 503, "service_unavailable"},
    };
    for (auto const& r : rows) {
        auto res = http::error_response(fail(r.code, "what to fix"), "req_1");
        BOOST_TEST(res.result_int() == static_cast<unsigned>(r.status), r.type);
        auto body = boost::json::parse(res.body()).as_object();
        BOOST_TEST(body.at("status_code").as_int64() == r.status);
        BOOST_TEST(body.at("error_type").as_string() == r.type);
        BOOST_TEST(body.at("error_message").as_string() == "what to fix");
        BOOST_TEST(body.at("request_id").as_string() == "req_1");
        BOOST_TEST(res["X-Request-Id"] == "req_1");
        BOOST_TEST(res[http::beast_http::field::content_type] == "application/json");
    }
}

BOOST_AUTO_TEST_CASE(unavailable_says_when_to_retry) {
    auto res = http::error_response(fail(errc::service_unavailable, "down"), "r");
    BOOST_TEST(res[http::beast_http::field::retry_after] == "1");
}

BOOST_AUTO_TEST_SUITE_END()
