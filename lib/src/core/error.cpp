#include "moonkey/core/error.hpp"

#include <algorithm>

namespace moonkey {

std::string_view error_type(errc code) {
    switch (code) {
        case errc::invalid_request: return "invalid_request";
        case errc::invalid_phone_number: return "invalid_phone_number";
        case errc::unsupported_phone_number: return "unsupported_phone_number";
        case errc::invalid_email: return "invalid_email";
        case errc::unauthorized_credentials: return "unauthorized_credentials";
        case errc::invalid_otp: return "invalid_otp";
        case errc::otp_expired: return "otp_expired";
        case errc::device_fingerprint_mismatch: return "device_fingerprint_mismatch";
        case errc::not_found: return "not_found";
        case errc::otp_not_found: return "otp_not_found";
        case errc::user_not_found: return "user_not_found";
        case errc::email_not_found: return "email_not_found";
        case errc::phone_number_not_found: return "phone_number_not_found";
        case errc::session_not_found: return "session_not_found";
        case errc::method_not_allowed: return "method_not_allowed";
        case errc::duplicate_email: return "duplicate_email";
        case errc::duplicate_phone_number: return "duplicate_phone_number";
        case errc::idempotency_key_reused: return "idempotency_key_reused";
        case errc::idempotency_key_in_progress: return "idempotency_key_in_progress";
        case errc::payload_too_large: return "payload_too_large";
        case errc::unsupported_media_type: return "unsupported_media_type";
        case errc::header_too_large: return "request_header_fields_too_large";
        case errc::too_many_requests: return "too_many_requests";
        case errc::too_many_attempts: return "too_many_attempts";
        case errc::internal_server_error: return "internal_server_error";
        case errc::service_unavailable: return "service_unavailable";
    }
    return "internal_server_error";
}

void throw_exception_from_error(error const& e, boost::source_location const&) { throw unexpected_error(e); }

bool is_echoable_word(std::string_view value) {
    return !value.empty() && value.size() <= 24 && std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    });
}

}  // namespace moonkey
