#pragma once
// The project's error vocabulary: every expected failure is a value of `error`, carried in `outcome<T>`.

#include <boost/system/result.hpp>
#include <boost/assert/source_location.hpp>

#include <string>
#include <string_view>

namespace moonkey {

enum class errc {
    invalid_request,
    invalid_phone_number,
    unsupported_phone_number,
    invalid_email,
    unauthorized_credentials,
    invalid_otp,
    otp_expired,
    device_fingerprint_mismatch,
    not_found,
    otp_not_found,
    user_not_found,
    email_not_found,
    phone_number_not_found,
    session_not_found,
    method_not_allowed,
    duplicate_email,
    duplicate_phone_number,
    idempotency_key_reused,
    payload_too_large,
    unsupported_media_type,
    header_too_large,
    too_many_requests,
    too_many_attempts,
    internal_server_error,
    service_unavailable,
};

// An expected failure: what kind, and a message for the caller that says what to fix.
struct error {
    errc code;
    std::string message;
};

template <class T>
using outcome = boost::system::result<T, error>;

// Returns an error value for `return fail(...)` and `co_return fail(...)`.
inline error fail(errc code, std::string message) { return error{code, std::move(message)}; }

// Returns the snake_case `error_type` of SPEC §1 for `code`.
std::string_view error_type(errc code);

// Thrown only by outcome<T>::value() on an error; handlers check outcomes instead.
struct unexpected_error : std::runtime_error {
    explicit unexpected_error(error e) : std::runtime_error(e.message), value(std::move(e)) {}
    error value;
};

[[noreturn]] void throw_exception_from_error(error const& e, boost::source_location const& loc);

}  // namespace moonkey
