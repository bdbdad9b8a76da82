#include "moonkey/http/error_response.hpp"

#include "moonkey/http/response.hpp"

namespace moonkey::http {

status status_of(errc code) {
    switch (code) {
        case errc::invalid_request:
        case errc::invalid_phone_number:
        case errc::unsupported_phone_number:
        case errc::invalid_email: return status::bad_request;
        case errc::unauthorized_credentials:
        case errc::invalid_otp:
        case errc::otp_expired:
        case errc::device_fingerprint_mismatch: return status::unauthorized;
        case errc::not_found:
        case errc::otp_not_found:
        case errc::user_not_found:
        case errc::email_not_found:
        case errc::phone_number_not_found:
        case errc::session_not_found: return status::not_found;
        case errc::method_not_allowed: return status::method_not_allowed;
        case errc::duplicate_email:
        case errc::duplicate_phone_number:
        case errc::idempotency_key_in_progress: return status::conflict;
        case errc::idempotency_key_reused: return status::unprocessable_entity;
        case errc::payload_too_large: return status::payload_too_large;
        case errc::unsupported_media_type: return status::unsupported_media_type;
        case errc::header_too_large: return status::request_header_fields_too_large;
        case errc::too_many_requests:
        case errc::too_many_attempts: return status::too_many_requests;
        case errc::internal_server_error: return status::internal_server_error;
        case errc::service_unavailable: return status::service_unavailable;
    }
    return status::internal_server_error;
}

response error_response(error const& e, std::string_view request_id, unsigned version) {
    auto code = status_of(e.code);
    boost::json::object body;
    body["status_code"] = static_cast<int>(code);
    body["error_type"] = error_type(e.code);
    body["error_message"] = e.message;
    body["request_id"] = request_id;
    auto res = json_response(code, body, request_id, version);
    if (code == status::service_unavailable) res.set(beast_http::field::retry_after, "1");
    if (e.code == errc::too_many_requests)
        res.set(beast_http::field::retry_after, std::to_string(std::max<std::int64_t>(1, e.retry_after)));
    return res;
}

}  // namespace moonkey::http
