#include "moonkey/domain/otp_verdict.hpp"

namespace moonkey {
namespace {

bool fingerprint_matches(device_fingerprint const& stored, device_fingerprint const& given, fingerprint_match policy) {
    bool ip = stored.ip == given.ip;
    bool agent = stored.user_agent == given.user_agent;
    switch (policy) {
        case fingerprint_match::none: return true;
        case fingerprint_match::ip: return ip;
        case fingerprint_match::user_agent: return agent;
        case fingerprint_match::both: return ip && agent;
    }
    return false;
}

}  // namespace

otp_verdict judge_otp(stored_otp const& stored, otp_attempt const& attempt) {
    if (stored.used || stored.expires_at <= attempt.now)
        return {fail(errc::otp_expired, "this code was already used or has expired; request a new one"), false};
    if (stored.failed_attempts >= max_failed_attempts)
        return {fail(errc::too_many_attempts, "too many wrong codes for this passcode; request a new one"), false};
    if (!fingerprint_matches(stored.fingerprint, attempt.fingerprint, attempt.policy))
        return {fail(errc::device_fingerprint_mismatch,
                     "the device fingerprint differs from the one the code was sent to"),
                false};
    if (!crypto::equal_constant_time(stored.code_digest, attempt.code_digest))
        return {fail(errc::invalid_otp, "the code is wrong; check it and try again"), true};
    return {std::nullopt, false};
}

}  // namespace moonkey
