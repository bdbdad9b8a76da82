#pragma once
// Sessions, one-time-code verification and JWT keys as the store reads and writes them.

#include "moonkey/core/crypto.hpp"
#include "moonkey/domain/abuse_limits.hpp"
#include "moonkey/domain/channel.hpp"
#include "moonkey/domain/otp_verdict.hpp"
#include "moonkey/domain/tenant.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moonkey {

// A way the user proved who they are in a session: an OTP sent to a phone number or email.
struct session_factor {
    channel via;
    std::string method_id;
    std::string destination;
};

struct session_record {
    std::string id;
    std::string user_id;
    std::int64_t started_at = 0;
    std::int64_t expires_at = 0;
    std::int64_t last_active_at = 0;
    std::vector<session_factor> factors;
    device_fingerprint fingerprint;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

// Finds a session by its token's digest or by its id.
struct session_selector {
    std::optional<crypto::digest> token_digest;
    std::optional<std::string> session_id;
};

// What a successful verify does to sessions: nothing, create one, or extend an existing one.
struct session_plan {
    enum class action { none, create, extend } what = action::none;
    std::string new_session_id;        // create
    crypto::digest new_token_digest{};  // create
    session_selector existing;         // extend
    std::optional<std::int64_t> expires_at;  // create: required; extend: when given
};

struct verify_request {
    tenant owner;
    std::string method_id;
    std::function<otp_verdict(stored_otp const&)> judge;
    std::int64_t now = 0;
    device_fingerprint fingerprint;
    session_plan session;
    limit_plan limits;  // counted in the transaction that keeps the wrong-code counter
};

struct verify_result {
    std::string method_id;
    channel via;
    std::string user_id;
    std::optional<session_record> session;
};

struct jwt_key_row {
    std::string kid;
    std::string sealed_private_key;
    std::int64_t created_at = 0;
    std::int64_t sign_from = 0;
    std::optional<std::int64_t> retire_at;
};

}  // namespace moonkey
