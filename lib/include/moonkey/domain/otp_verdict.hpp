#pragma once
// The rules of verifying a code (SPEC §4), as a pure decision over the stored code and the attempt.

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/error.hpp"
#include "moonkey/domain/app_settings.hpp"
#include "moonkey/domain/device_fingerprint.hpp"

#include <cstdint>
#include <optional>

namespace moonkey {

inline constexpr int max_failed_attempts = 5;

// The method's latest code as stored.
struct stored_otp {
    crypto::digest code_digest{};
    std::int64_t expires_at = 0;
    int failed_attempts = 0;
    bool used = false;
    device_fingerprint fingerprint;
};

struct otp_attempt {
    crypto::digest code_digest{};  // of the submitted code
    std::int64_t now = 0;
    device_fingerprint fingerprint;
    fingerprint_match policy = fingerprint_match::none;
};

struct otp_verdict {
    std::optional<error> refusal;  // nullopt: the code is accepted
    bool count_failure = false;    // the wrong-code counter rises (kept even though the request fails)
};

// Returns the verdict, checking in this order: used or expired (otp_expired), too many wrong tries
// (too_many_attempts, even for the right code), fingerprint (device_fingerprint_mismatch), then the
// code in constant time (invalid_otp, counted).
otp_verdict judge_otp(stored_otp const& stored, otp_attempt const& attempt);

}  // namespace moonkey
