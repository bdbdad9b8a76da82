#pragma once
// Sessions: opaque tokens (stored hashed) and short-lived RS256 JWTs that carry the session.

#include "moonkey/core/clock.hpp"
#include "moonkey/domain/jwt_key_ring.hpp"
#include "moonkey/store/repository.hpp"

#include <optional>
#include <string>

namespace moonkey {

inline constexpr char const* session_claim = "https://streambird.io/jwt/session";

// How a caller names a session: at most one of these is set.
struct session_reference {
    std::optional<std::string> session_id;
    std::optional<std::string> token;
    std::optional<std::string> jwt;
};

struct issued_session {
    session_record session;
    std::optional<std::string> token;  // known when just created or when the caller sent it
    std::string jwt;
};

class session_service {
public:
    session_service(repository& repo, jwt_key_ring& keys, unix_clock clock)
        : repo_(repo), keys_(keys), clock_(std::move(clock)) {}

    // Returns the session that `ref` names, checked against the database, with its expiry set to
    // now + `expires_in_minutes` when given, and a fresh JWT. Errors: session_not_found,
    // invalid_request (lifetime), service_unavailable.
    async_outcome<issued_session> verify(api_key_record const& caller, session_reference ref,
                                         std::optional<std::int64_t> expires_in_minutes);

    // Returns the user's live sessions. Errors: user_not_found, service_unavailable.
    async_outcome<std::vector<session_record>> list(api_key_record const& caller, std::string user_id);

    // Deletes the session `ref` names (an expired JWT still names its session). Errors:
    // session_not_found, invalid_request (not exactly one reference), service_unavailable.
    async_outcome<void> remove(api_key_record const& caller, session_reference ref);

    // Returns the selector for a token or JWT (checked: signature, expiry unless `allow_expired`,
    // issuer and audience = the caller's app). Errors: session_not_found.
    outcome<session_selector> select(api_key_record const& caller, session_reference const& ref,
                                     bool allow_expired = false) const;

    // Returns a new session token and its stored digest.
    static std::pair<std::string, crypto::digest> new_token();

    // Returns a JWT for the session, signed with the current key. Errors: service_unavailable.
    async_outcome<std::string> mint_jwt(api_key_record const& caller, session_record const& s);

    jwt_key_ring& keys() { return keys_; }

private:
    repository& repo_;
    jwt_key_ring& keys_;
    unix_clock clock_;
};

// Returns the session lifetime in minutes (5..525600) or invalid_request.
outcome<std::int64_t> session_lifetime_minutes(std::int64_t minutes);

}  // namespace moonkey
