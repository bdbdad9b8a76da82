#pragma once
// `Idempotency-Key` on POSTs (SPEC §5): a retry of a request gets the first one's answer, and the
// request runs once. Keys are scoped by the caller's app and environment and kept 24 hours.
//
// - Same key, same request (method, target and body, compared by SHA-256): the stored answer, with
//   `Idempotent-Replayed: true`. Same key, another request: 422 idempotency_key_reused.
// - Duplicates that arrive while the first still runs wait for it (bounded), then replay; when it
//   outlasts the wait they get 409 idempotency_key_in_progress and may retry.
// - Only final answers are stored: 2xx and 4xx except 409 and 429. Any other answer (5xx, 409, 429)
//   releases the key, so that a retry executes again.
// - An answer carrying session credentials (session_token, session_jwt: OTP and session verify) is
//   never stored, because those are secrets. The key is recorded as used ("withheld"), and a retry
//   gets 422 idempotency_key_reused explaining that the first request succeeded but its credentials
//   cannot be sent twice. It is not executed again: an OTP is single-use, so a second run could only
//   fail, misleadingly, with otp_not_found.

#include "moonkey/core/error.hpp"
#include "moonkey/http/router.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace moonkey::api {

inline constexpr std::int64_t idempotency_window = 24 * 60 * 60;  // seconds an answer is replayed
inline constexpr std::int64_t idempotency_lease = 60;             // seconds a running request holds its key
inline constexpr std::chrono::milliseconds idempotency_poll{25};
inline constexpr std::chrono::milliseconds idempotency_wait{5000};  // how long a duplicate waits

// Returns `inner` honouring the Idempotency-Key header; without the header it is `inner` unchanged.
// Answers of its own: 400 invalid_request for a malformed key, the caller's authentication error,
// 422 idempotency_key_reused, 409 idempotency_key_in_progress, 503 when the keys cannot be read.
http::handler idempotent(http::handler inner);

// Returns the request's Idempotency-Key, nullopt when it has none; invalid_request when it is not
// 1 to 255 visible ASCII characters.
outcome<std::optional<std::string_view>> idempotency_key_of(http::request const& req);

// Returns true when an answer with `status` is final and is stored for replay: 2xx, and 4xx except
// 409 (a conflict that may clear) and 429 (a limit that will).
bool is_replayable_status(unsigned status);

// Returns the JSON object `body` without its session credentials (top-level session_token and
// session_jwt), or nullopt when it carries none.
std::optional<std::string> without_session_secrets(std::string_view body);

}  // namespace moonkey::api
