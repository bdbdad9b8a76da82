#include "moonkey/api/idempotency.hpp"

#include "moonkey/api/authenticate.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/core/crypto.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/http/error_response.hpp"
#include "moonkey/store/idempotency_repository.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>

namespace moonkey::api {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr unsigned purge_one_in = 500;  // a claim purges expired rows with this odds
constexpr unsigned purge_limit = 1000;  // rows per purge: twice the insert rate, so it keeps up

// Returns SHA-256 over what makes two requests the same: method, target and body bytes.
crypto::digest request_digest(http::request const& req) {
    std::string text;
    text.reserve(req.target().size() + req.body().size() + 16);
    text.append(req.method_string()).append(" ").append(req.target()).append("\n").append(req.body());
    return crypto::sha256(text);
}

idempotency_claim_request claim_at(tenant owner, crypto::digest key, crypto::digest request, std::int64_t now) {
    return idempotency_claim_request{std::move(owner), key, request, now, now + idempotency_lease,
                                     now - idempotency_window};
}

error reused() {
    return fail(errc::idempotency_key_reused,
                "this Idempotency-Key was already used for a different request (another endpoint or body) in the "
                "last 24 hours; use a new key for each new request");
}

error in_progress() {
    return fail(errc::idempotency_key_in_progress,
                "a request with this Idempotency-Key is still in progress; retry");
}

error withheld(idempotency_record const& found) {
    std::string who;
    boost::system::error_code ec;
    auto parsed = json::parse(found.response_body, ec);
    if (auto const* object = parsed.if_object()) {
        if (auto const* user = object->if_contains("user_id"); user && user->is_string())
            who = " for user " + std::string(user->as_string());
    }
    return fail(errc::idempotency_key_reused,
                "the request with this Idempotency-Key already succeeded" + who +
                    ", but its answer held session credentials, which the server never stores, so it cannot be "
                    "replayed; an OTP is used up: send a new code, or send other requests again with a new key");
}

http::response replay(idempotency_record const& found, http::request const& req) {
    http::response res{static_cast<http::status>(found.status), req.version()};
    res.set(http::beast_http::field::content_type, "application/json");
    res.set("Idempotent-Replayed", "true");
    res.body() = found.response_body;
    res.prepare_payload();
    return res;
}

// Records the answer of the request that held the key: stored when final, else the key released.
asio::awaitable<void> settle(idempotency_repository& store, idempotency_claim_request const& claim,
                             http::response const& res, std::string const& request_id) {
    outcome<void> saved{};
    if (!is_replayable_status(res.result_int())) {
        saved = co_await store.release(claim.owner, claim.key_digest, claim.lease_until);
    } else {
        auto stripped = without_session_secrets(res.body());
        auto state = stripped ? idempotency_state::withheld : idempotency_state::done;
        std::string body = stripped ? std::move(*stripped) : res.body();
        saved = co_await store.complete(claim.owner, claim.key_digest, claim.lease_until, state,
                                        static_cast<int>(res.result_int()), std::move(body));
    }
    // The answer goes out anyway; the key stays running until its lease ends, then a retry executes.
    if (!saved)
        log::warn("idempotency key not recorded", {{"request_id", request_id}, {"error", saved.error().message}});
}

// Deletes expired keys now and then (cheap: an index range, bounded).
asio::awaitable<void> maybe_purge(idempotency_repository& store, std::int64_t expired_before) {
    if (crypto::random_below(purge_one_in) != 0) co_return;
    auto purged = co_await store.purge(expired_before, purge_limit);
    if (!purged) log::warn("idempotency purge failed", {{"error", purged.error().message}});
}

asio::awaitable<http::response> with_key(http::request_context& ctx, http::handler const& inner) {
    auto key = idempotency_key_of(ctx.req);
    if (!key) co_return http::error_response(key.error(), ctx.request_id);
    if (!*key) {
        auto plain = co_await inner(ctx);
        co_return plain;
    }
    // The inner handler enforces its own access rule (secret_only or not); this finds the tenant.
    auto caller = co_await authenticate(ctx, key_access::secret_or_public);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);

    auto& store = ctx.services.repo().idempotency();
    auto key_digest = crypto::sha256(**key);
    auto digest = request_digest(ctx.req);
    auto claim = claim_at(caller->owner, key_digest, digest, ctx.services.now());
    auto give_up_at = std::chrono::steady_clock::now() + idempotency_wait;
    asio::steady_timer timer(ctx.services.executor());
    for (;;) {
        auto claimed = co_await store.claim(claim);
        if (!claimed) co_return http::error_response(claimed.error(), ctx.request_id);
        if (claimed->acquired) break;
        auto const& found = claimed->existing;
        if (found.request_digest != digest) co_return http::error_response(reused(), ctx.request_id);
        if (found.state == idempotency_state::done) co_return replay(found, ctx.req);
        if (found.state == idempotency_state::withheld) co_return http::error_response(withheld(found), ctx.request_id);
        if (std::chrono::steady_clock::now() >= give_up_at) co_return http::error_response(in_progress(), ctx.request_id);
        timer.expires_after(idempotency_poll);
        co_await timer.async_wait(asio::use_awaitable);
        claim = claim_at(caller->owner, key_digest, digest, ctx.services.now());
    }

    http::response res;
    std::exception_ptr failure;
    try {
        res = co_await inner(ctx);
    } catch (...) {
        failure = std::current_exception();  // dispatch answers 500; the key must not stay running
    }
    if (failure) {
        auto released = co_await store.release(claim.owner, claim.key_digest, claim.lease_until);
        (void)released;
        std::rethrow_exception(failure);
    }
    co_await settle(store, claim, res, ctx.request_id);
    co_await maybe_purge(store, claim.expired_before);
    co_return res;
}

bool is_visible_ascii(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

http::handler idempotent(http::handler inner) {
    // `inner` lives in the route table for the server's lifetime, so the coroutine may refer to it.
    return [inner = std::move(inner)](http::request_context& ctx) { return with_key(ctx, inner); };
}

outcome<std::optional<std::string_view>> idempotency_key_of(http::request const& req) {
    auto it = req.find("Idempotency-Key");
    if (it == req.end()) return std::optional<std::string_view>();
    std::string_view key = it->value();
    if (key.empty() || key.size() > 255 || !std::all_of(key.begin(), key.end(), is_visible_ascii))
        return fail(errc::invalid_request,
                    "the Idempotency-Key header must be 1 to 255 visible ASCII characters (a UUID is a good key)");
    return std::optional<std::string_view>(key);
}

bool is_replayable_status(unsigned status) {
    if (status >= 200 && status < 300) return true;
    return status >= 400 && status < 500 && status != 409 && status != 429;
}

std::optional<std::string> without_session_secrets(std::string_view body) {
    boost::system::error_code ec;
    auto parsed = json::parse(body, ec);
    auto* object = parsed.if_object();
    if (!object) return std::nullopt;
    bool had = object->erase("session_token") + object->erase("session_jwt") > 0;
    if (!had) return std::nullopt;
    return json::serialize(*object);
}

}  // namespace moonkey::api
