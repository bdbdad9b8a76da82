#pragma once
// The RS256 keys of session JWTs, shared by every core. A new key is published in the JWKS for
// `publish_lead` before it signs anything, and an old key stays published until every JWT it
// signed has expired. Keys live in the database (sealed), so every instance signs and verifies
// with the same set.

#include "moonkey/core/clock.hpp"
#include "moonkey/core/jwt.hpp"
#include "moonkey/store/repository.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

namespace moonkey {

class jwt_key_ring {
public:
    struct options {
        std::chrono::seconds rotation_period{std::chrono::hours(24 * 30)};
        std::chrono::seconds publish_lead{std::chrono::minutes(10)};
        std::chrono::seconds token_lifetime{std::chrono::minutes(5)};
    };

    jwt_key_ring(repository& repo, std::string secret, unix_clock clock, options opts);

    // Reloads the keys; creates the first key when there is none and rotates when the signing key
    // is older than rotation_period. Errors: service_unavailable.
    async_outcome<void> refresh();

    // Adds a new key now: published at once, signing after publish_lead. Errors: service_unavailable.
    async_outcome<void> rotate();

    // Returns the key to sign with now, or nullptr before the first refresh.
    jwt::key_ptr signing_key() const;

    // Returns the published key with this kid, or nullptr.
    jwt::key_ptr find(std::string_view kid) const;

    // Returns {"keys": [JWK …]} of every published key.
    boost::json::object jwks() const;

    std::chrono::seconds token_lifetime() const { return opts_.token_lifetime; }

private:
    struct entry {
        jwt::key_ptr key;
        std::int64_t created_at;
        std::int64_t sign_from;
        std::optional<std::int64_t> retire_at;
    };
    using key_list = std::vector<entry>;  // newest sign_from first

    bool published(entry const& e, std::int64_t now) const;
    async_outcome<void> add_key(std::int64_t sign_from);

    repository& repo_;
    std::string secret_;
    unix_clock clock_;
    options opts_;
    std::atomic<std::shared_ptr<key_list const>> keys_;
};

}  // namespace moonkey
