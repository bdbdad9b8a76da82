#pragma once
// The project's error vocabulary: every expected failure is a value of `error`, carried in `outcome<T>`.

#include <boost/system/result.hpp>
#include <boost/assert/source_location.hpp>

#include <cstdint>
#include <optional>
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
    idempotency_key_in_progress,
    payload_too_large,
    unsupported_media_type,
    header_too_large,
    too_many_requests,
    too_many_attempts,
    internal_server_error,
    service_unavailable,
};

// The rate limits that can refuse a request (SPEC §5); also the `limit` label of the metrics.
enum class rate_limit_kind { destination, ip_send, ip_verify, prefix, daily_sms, public_token };

// An expected failure: what kind, and a message for the caller that says what to fix.
struct error {
    errc code;
    std::string message;
    std::int64_t retry_after = 0;             // seconds, for too_many_requests (the Retry-After header)
    std::optional<rate_limit_kind> limit{};   // which rate limit refused, for too_many_requests
};

template <class T>
using outcome = boost::system::result<T, error>;

// Returns an error value for `return fail(...)` and `co_return fail(...)`.
inline error fail(errc code, std::string message) { return error{code, std::move(message)}; }

// Returns true when a value the client sent may be repeated in an error message: a word of at most
// 24 letters and '_', such as a misspelt field name. Refusals are stored for replay (Idempotency-Key),
// and a value sent in the wrong place may be a code, a key or a token: those are never repeated.
bool is_echoable_word(std::string_view value);

// Returns the snake_case `error_type` of SPEC §1 for `code`.
std::string_view error_type(errc code);

// Thrown only by outcome<T>::value() on an error; handlers check outcomes instead.
struct unexpected_error : std::runtime_error {
    explicit unexpected_error(error e) : std::runtime_error(e.message), value(std::move(e)) {}
    error value;
};

[[noreturn]] void throw_exception_from_error(error const& e, boost::source_location const& loc);

}  // namespace moonkey
