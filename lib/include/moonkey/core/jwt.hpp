#pragma once
// RS256 JSON Web Tokens (RFC 7515/7519) and their public keys as a JWK Set (RFC 7517).

#include "moonkey/core/error.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

// OpenSSL's EVP_PKEY, declared here so that this header does not include OpenSSL's.
struct evp_pkey_st;

namespace moonkey::jwt {

// An RSA key pair with its key id. Immutable once loaded: sign, verify and public_jwk may use one key
// from several threads at once.
class signing_key {
public:
    struct pkey_deleter {
        void operator()(evp_pkey_st* pkey) const noexcept;
    };
    using pkey_ptr = std::unique_ptr<evp_pkey_st, pkey_deleter>;

    signing_key(signing_key const&) = delete;
    signing_key& operator=(signing_key const&) = delete;

    std::string_view kid() const noexcept { return kid_; }
    // The public half as a JWK, computed once at load.
    boost::json::object const& jwk() const noexcept { return jwk_; }
    // The OpenSSL key, for this module's implementation.
    evp_pkey_st* native_handle() const noexcept { return pkey_.get(); }

private:
    friend outcome<std::shared_ptr<signing_key const>> load_private_key(std::string_view, std::string);
    signing_key(pkey_ptr pkey, std::string kid, boost::json::object jwk)
        : pkey_(std::move(pkey)), kid_(std::move(kid)), jwk_(std::move(jwk)) {}

    pkey_ptr pkey_;
    std::string kid_;
    boost::json::object jwk_;
};
using key_ptr = std::shared_ptr<signing_key const>;

// Returns a new 2048-bit RSA private key in PKCS#8 PEM.
std::string generate_private_key_pem();

// Returns the key of `pem` under `kid`, or invalid_request when it is not an unencrypted RSA private key
// of at least 2048 bits, or `kid` is empty.
outcome<key_ptr> load_private_key(std::string_view pem, std::string kid);

// Returns the public half as a JWK: {"kty":"RSA","use":"sig","alg":"RS256","kid","n","e"}.
boost::json::object public_jwk(signing_key const& key);

// Returns a compact JWS: header {"alg":"RS256","typ":"JWT","kid"}, payload `claims`.
std::string sign(signing_key const& key, boost::json::object const& claims);

struct verified_token {
    std::string kid;
    boost::json::object claims;
};

// The longest token verify accepts, in bytes.
inline constexpr std::size_t max_token_size = 16 * 1024;

// Returns the claims of `token` when it is a well-formed RS256 JWS whose kid `find_key` knows, whose
// signature verifies and whose "exp" is after `now` (and "nbf", if present, not after it).
// Errors (errc::invalid_request, with a message saying which check failed): malformed, alg not
// RS256, unknown kid, bad signature, expired. Never throws on any input; an exception from `find_key`
// or from memory exhaustion becomes errc::internal_server_error.
outcome<verified_token> verify(std::string_view token,
                               std::function<key_ptr(std::string_view kid)> const& find_key,
                               std::int64_t now);

std::string_view key_id(signing_key const& key);

}  // namespace moonkey::jwt
