#include "moonkey/domain/jwt_key_ring.hpp"

#include "moonkey/core/log.hpp"
#include "moonkey/domain/ksuid.hpp"

namespace moonkey {

jwt_key_ring::jwt_key_ring(repository& repo, std::string secret, unix_clock clock, options opts)
    : repo_(repo), secret_(std::move(secret)), clock_(std::move(clock)), opts_(opts) {
    keys_.store(std::make_shared<key_list const>());
}

bool jwt_key_ring::published(entry const& e, std::int64_t now) const { return !e.retire_at || *e.retire_at > now; }

async_outcome<void> jwt_key_ring::refresh() {
    auto rows = co_await repo_.load_jwt_keys();
    if (!rows) co_return rows.error();
    auto now = clock_();
    auto loaded = std::make_shared<key_list>();
    for (auto const& row : *rows) {
        auto pem = crypto::open(secret_, row.sealed_private_key);
        if (!pem) {
            log::error("a JWT key cannot be opened with this server secret", {{"kid", row.kid}});
            continue;
        }
        auto key = jwt::load_private_key(*pem, row.kid);
        if (!key) continue;
        loaded->push_back(entry{*key, row.created_at, row.sign_from, row.retire_at});
    }
    keys_.store(loaded);
    if (rows->empty()) co_return co_await add_key(now);  // the first key signs at once
    if (loaded->empty())  // never replace other instances' keys because of a wrong secret
        co_return fail(errc::service_unavailable, "no JWT signing key opens with this server's secret");
    auto const& newest = loaded->front();
    if (newest.created_at + opts_.rotation_period.count() <= now) co_return co_await rotate();
    co_return outcome<void>{};
}

async_outcome<void> jwt_key_ring::rotate() { return add_key(clock_() + opts_.publish_lead.count()); }

async_outcome<void> jwt_key_ring::add_key(std::int64_t sign_from) {
    auto now = clock_();
    jwt_key_row row;
    row.kid = new_id("jwk_", now);
    row.sealed_private_key = crypto::seal(secret_, jwt::generate_private_key_pem());
    row.created_at = now;
    row.sign_from = sign_from;
    // Older keys stop signing at sign_from; their last JWTs expire a token lifetime later.
    auto retire_others_at = sign_from + opts_.token_lifetime.count() + 60;
    auto added = co_await repo_.add_jwt_key(row, retire_others_at);
    if (!added) co_return added.error();
    log::info("jwt key added", {{"kid", row.kid}, {"sign_from", sign_from}});
    co_return co_await refresh();
}

jwt::key_ptr jwt_key_ring::signing_key() const {
    auto keys = keys_.load();
    auto now = clock_();
    for (auto const& e : *keys)
        if (e.sign_from <= now && published(e, now)) return e.key;
    return keys->empty() ? nullptr : keys->back().key;
}

jwt::key_ptr jwt_key_ring::find(std::string_view kid) const {
    auto keys = keys_.load();
    auto now = clock_();
    for (auto const& e : *keys)
        if (jwt::key_id(*e.key) == kid && published(e, now)) return e.key;
    return nullptr;
}

boost::json::object jwt_key_ring::jwks() const {
    auto keys = keys_.load();
    auto now = clock_();
    boost::json::array published_keys;
    for (auto const& e : *keys)
        if (published(e, now)) published_keys.push_back(jwt::public_jwk(*e.key));
    return boost::json::object{{"keys", std::move(published_keys)}};
}

}  // namespace moonkey
