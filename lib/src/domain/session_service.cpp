#include "moonkey/domain/session_service.hpp"

#include "moonkey/domain/session_json.hpp"

namespace moonkey {
namespace {

error no_session() { return fail(errc::session_not_found, "the session does not exist or has expired"); }

bool names_app(boost::json::object const& claims, std::string const& app_id) {
    auto const* iss = claims.if_contains("iss");
    auto const* aud = claims.if_contains("aud");
    return iss && iss->is_string() && iss->as_string() == app_id && aud && aud->is_string() &&
           aud->as_string() == app_id;
}

}  // namespace

outcome<std::int64_t> session_lifetime_minutes(std::int64_t minutes) {
    if (minutes < 5 || minutes > 525600)
        return fail(errc::invalid_request, "session_expires_in must be 5 to 525600 minutes");
    return minutes;
}

std::pair<std::string, crypto::digest> session_service::new_token() {
    auto token = crypto::random_base62(64);
    auto digest = crypto::sha256(token);
    return {std::move(token), digest};
}

outcome<session_selector> session_service::select(api_key_record const& caller, session_reference const& ref,
                                                  bool allow_expired) const {
    session_selector selector;
    if (ref.session_id) {
        selector.session_id = *ref.session_id;
    } else if (ref.token) {
        selector.token_digest = crypto::sha256(*ref.token);
    } else if (ref.jwt) {
        auto find = [this](std::string_view kid) { return keys_.find(kid); };
        auto verified = jwt::verify(*ref.jwt, find, allow_expired ? 0 : clock_());
        if (!verified || !names_app(verified->claims, caller.owner.app_id)) return no_session();
        auto const* session = verified->claims.if_contains(session_claim);
        auto const* id = session && session->is_object() ? session->as_object().if_contains("id") : nullptr;
        if (!id || !id->is_string()) return no_session();
        selector.session_id = std::string(id->as_string());
    } else {
        return fail(errc::invalid_request, "send session_token or session_jwt");
    }
    return selector;
}

async_outcome<std::string> session_service::mint_jwt(api_key_record const& caller, session_record const& s) {
    auto key = keys_.signing_key();
    if (!key) {
        if (auto loaded = co_await keys_.refresh(); !loaded) co_return loaded.error();
        key = keys_.signing_key();
        if (!key) co_return fail(errc::service_unavailable, "no signing key is available yet; retry shortly");
    }
    auto now = clock_();
    boost::json::object claims{
        {"iss", caller.owner.app_id},
        {"aud", caller.owner.app_id},
        {"sub", s.user_id},
        {"iat", now},
        {"exp", now + keys_.token_lifetime().count()},
        {session_claim, session_json(s)},
    };
    co_return jwt::sign(*key, claims);
}

async_outcome<issued_session> session_service::verify(api_key_record const& caller, session_reference ref,
                                                      std::optional<std::int64_t> expires_in_minutes) {
    if (ref.session_id) co_return fail(errc::invalid_request, "send session_token or session_jwt");
    if (ref.token && ref.jwt) co_return fail(errc::invalid_request, "send session_token or session_jwt, not both");
    std::optional<std::int64_t> expires_at;
    auto now = clock_();
    if (expires_in_minutes) {
        auto minutes = session_lifetime_minutes(*expires_in_minutes);
        if (!minutes) co_return minutes.error();
        expires_at = now + *minutes * 60;
    }
    auto selector = select(caller, ref);
    if (!selector) co_return selector.error();
    auto session = co_await repo_.touch_session(caller.owner, *selector, now, expires_at);
    if (!session) co_return session.error();
    auto jwt = co_await mint_jwt(caller, *session);
    if (!jwt) co_return jwt.error();
    co_return issued_session{std::move(*session), ref.token, std::move(*jwt)};
}

async_outcome<std::vector<session_record>> session_service::list(api_key_record const& caller, std::string user_id) {
    return repo_.list_sessions(caller.owner, std::move(user_id), clock_());
}

async_outcome<void> session_service::remove(api_key_record const& caller, session_reference ref) {
    int given = int(ref.session_id.has_value()) + int(ref.token.has_value()) + int(ref.jwt.has_value());
    if (given != 1) co_return fail(errc::invalid_request, "send exactly one of session_id, session_token, session_jwt");
    auto selector = select(caller, ref, true);
    if (!selector) co_return selector.error();
    co_return co_await repo_.delete_session(caller.owner, *selector);
}

}  // namespace moonkey
