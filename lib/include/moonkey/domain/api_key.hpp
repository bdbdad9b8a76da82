#pragma once
// API keys: secret keys (sk_test_…, sk_live_…) and public tokens (pk_test_…, pk_live_…).

#include "moonkey/core/crypto.hpp"
#include "moonkey/domain/tenant.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace moonkey {

enum class key_kind { secret, public_token };

// Returns a new key: its prefix and 32 base62 characters (190 random bits).
std::string generate_api_key(key_kind kind, environment env);

// Returns the stored form of a key: its SHA-256 digest.
crypto::digest api_key_digest(std::string_view key);

// Returns the kind and environment that a key's prefix claims, or nullopt for a malformed key.
struct key_claim {
    key_kind kind;
    environment env;
};
std::optional<key_claim> parse_api_key(std::string_view key);

// Returns the first characters of a key, safe to store and show ("sk_test_ab12"). A malformed key
// yields only its known prefix, or "" without one: it may be some other secret pasted by mistake.
std::string api_key_display_prefix(std::string_view key);

std::string_view to_string(key_kind kind);

}  // namespace moonkey
