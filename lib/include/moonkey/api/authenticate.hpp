#pragma once
// Who is calling: the API key from `Authorization: Bearer KEY` or HTTP Basic with the key as user.

#include "moonkey/http/request_context.hpp"
#include "moonkey/store/repository.hpp"

namespace moonkey::api {

enum class key_access { secret_only, secret_or_public };

// Returns the caller's key record, or unauthorized_credentials (the same answer for a missing,
// malformed, unknown or revoked key, and a public token where a secret key is needed), or
// service_unavailable when the key cannot be checked.
// With `query_key`, a key in the `api_key` query parameter is accepted too (the Node SDK fetches
// the JWKS that way).
async_outcome<api_key_record> authenticate(http::request_context& ctx, key_access access, bool query_key = false);

// Returns the key carried by an Authorization header value, or an empty string.
std::string extract_api_key(std::string_view authorization);

}  // namespace moonkey::api
