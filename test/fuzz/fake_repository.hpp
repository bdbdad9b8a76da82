#pragma once
// An in-memory repository for the HTTP fuzz target: no database, a few fixed API keys, one fixed JWT
// key, and answers that let handlers run to their end. It checks what the domain promises the store
// (normalized destinations) and aborts when a promise is broken, so that libFuzzer reports it.

#include "moonkey/domain/email_address.hpp"
#include "moonkey/domain/otp_service.hpp"
#include "moonkey/domain/phone_number.hpp"
#include "moonkey/store/idempotency_repository.hpp"
#include "moonkey/store/user_repository.hpp"

#include <cstdio>
#include <cstdlib>

namespace moonkey::fuzz {

inline constexpr std::int64_t fixed_now = 1700000000;
inline constexpr char const* app_id = "app_fuzz";
inline constexpr char const* jwt_kid = "fuzz-key";
// 32 base62 characters after each prefix, as parse_api_key requires.
inline constexpr char const* secret_key = "sk_test_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz";
inline constexpr char const* public_token = "pk_test_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz";
inline constexpr char const* live_secret_key = "sk_live_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz";

[[noreturn]] inline void broken(char const* what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

class fake_repository final : public repository, public user_repository, public idempotency_repository {
public:
    fake_repository(std::string secret, std::string jwt_pem) : secret_(std::move(secret)), jwt_pem_(std::move(jwt_pem)) {}

    async_outcome<std::optional<api_key_record>> find_api_key(crypto::digest digest) override {
        for (auto [key, kind, env] : {std::tuple{secret_key, key_kind::secret, environment::test},
                                      std::tuple{public_token, key_kind::public_token, environment::test},
                                      std::tuple{live_secret_key, key_kind::secret, environment::live}}) {
            if (api_key_digest(key) == digest)
                co_return std::optional<api_key_record>(api_key_record{tenant{app_id, env}, "Fuzz App", kind, false, {}});
        }
        co_return std::optional<api_key_record>();
    }

    async_outcome<login_result> login_or_create(login_request r) override {
        check_destination(r.via, r.destination);
        if (r.code_digest) r.code_digest(r.new_method_id);
        // Only sandbox logins succeed: they queue no message (the delivery queue is not running).
        if (r.queue_message) co_return unavailable();
        co_return login_result{r.new_user_id, r.new_method_id, true, !r.requires_verification};
    }

    async_outcome<verify_result> verify_otp(verify_request r) override {
        verify_result out{r.method_id, channel::sms, "user_fuzz", std::nullopt};
        if (r.session.what != session_plan::action::none) out.session = session(r.session.existing.session_id);
        co_return out;
    }

    async_outcome<session_record> touch_session(tenant, session_selector selector, std::int64_t,
                                                std::optional<std::int64_t>) override {
        co_return session(selector.session_id);
    }

    async_outcome<std::vector<session_record>> list_sessions(tenant, std::string, std::int64_t) override {
        co_return std::vector<session_record>{session(std::nullopt)};
    }

    async_outcome<void> delete_session(tenant, session_selector) override { co_return outcome<void>{}; }

    async_outcome<std::vector<jwt_key_row>> load_jwt_keys() override {
        co_return std::vector<jwt_key_row>{jwt_key_row{jwt_kid, crypto::seal(secret_, jwt_pem_), fixed_now, 0, {}}};
    }

    async_outcome<std::size_t> purge_limit_counters(std::int64_t, unsigned) override { co_return std::size_t{0}; }
    async_outcome<std::size_t> purge_outbox(std::int64_t, unsigned) override { co_return std::size_t{0}; }
    async_outcome<void> ping() override { co_return outcome<void>{}; }
    user_repository& users() override { return *this; }
    idempotency_repository& idempotency() override { return *this; }

    // Every Idempotency-Key is new: the request runs.
    async_outcome<idempotency_claim> claim(idempotency_claim_request) override { co_return idempotency_claim{true, {}}; }
    async_outcome<void> complete(tenant, crypto::digest, std::int64_t, idempotency_state, int, std::string) override {
        co_return outcome<void>{};
    }
    async_outcome<void> release(tenant, crypto::digest, std::int64_t) override { co_return outcome<void>{}; }
    async_outcome<std::size_t> purge(std::int64_t, unsigned) override { co_return std::size_t(0); }

    async_outcome<user_record> create_user(new_user u) override {
        user_record out;
        out.id = u.id;
        out.status = u.status;
        out.first_name = u.first_name;
        out.middle_name = u.middle_name;
        out.last_name = u.last_name;
        out.metadata = u.metadata;
        if (u.email) {
            check_destination(channel::email, u.email->value);
            out.emails.push_back(user_method{u.email->id, u.email->value, false, u.now, u.now});
        }
        if (u.phone_number) {
            check_destination(channel::sms, u.phone_number->value);
            out.phone_numbers.push_back(user_method{u.phone_number->id, u.phone_number->value, false, u.now, u.now});
        }
        co_return out;
    }

    async_outcome<user_record> find_user(tenant, std::string user_id) override { co_return user(user_id); }

    async_outcome<user_record> update_user(user_changes c) override {
        auto out = user(c.user_id);
        for (auto const& e : c.emails) check_destination(channel::email, e.value);
        for (auto const& p : c.phone_numbers) check_destination(channel::sms, p.value);
        if (c.metadata) {
            auto merged = c.metadata(out.metadata);
            if (!merged) co_return merged.error();
            out.metadata = std::move(*merged);
        }
        co_return out;
    }

    async_outcome<void> delete_user(tenant, std::string) override { co_return outcome<void>{}; }
    async_outcome<user_page> search_users(user_query q) override {
        for (auto const& f : q.filters) {
            // An email filter is only trimmed and lower-cased (an invalid address just matches nothing).
            if (f.field == user_field::email && f.match == match_kind::eq) {
                auto again = normalize_email(f.value);
                if (again && *again != f.value) broken("an email filter is not normalized");
            }
            if (f.field == user_field::phone_number && f.match == match_kind::eq) check_destination(channel::sms, f.value);
        }
        co_return user_page{{user("user_fuzz")}, 1, false};
    }
    async_outcome<std::string> delete_email(tenant, std::string, std::int64_t) override { co_return std::string("user_fuzz"); }
    async_outcome<std::string> delete_phone_number(tenant, std::string, std::int64_t) override {
        co_return std::string("user_fuzz");
    }

    // Not reached by any endpoint.
    async_outcome<void> add_jwt_key(jwt_key_row, std::int64_t) override { co_return unavailable(); }
    async_outcome<void> update_app_settings(std::string, std::function<outcome<std::string>(std::string const&)>) override {
        co_return unavailable();
    }
    async_outcome<void> mark_sent(std::vector<std::string>, std::int64_t) override { co_return unavailable(); }
    async_outcome<void> mark_failed(std::vector<failed_message>, std::int64_t) override { co_return unavailable(); }
    async_outcome<void> mark_expired(std::vector<std::string>) override { co_return unavailable(); }
    async_outcome<void> extend_lease(std::vector<std::string>, std::int64_t) override { co_return unavailable(); }
    async_outcome<std::vector<claimed_message>> claim_due_messages(std::int64_t, std::int64_t, unsigned) override {
        co_return unavailable();
    }
    async_outcome<void> create_app(std::string, std::string, std::vector<new_app_key>, std::int64_t) override {
        co_return unavailable();
    }
    async_outcome<void> add_api_keys(std::string, std::vector<new_app_key>, std::int64_t) override { co_return unavailable(); }
    async_outcome<std::vector<api_key_info>> list_api_keys(std::string) override { co_return unavailable(); }
    async_outcome<void> revoke_api_key(std::string, std::int64_t) override { co_return unavailable(); }

private:
    static error unavailable() { return fail(errc::service_unavailable, "the fuzz repository stores nothing"); }

    // The store relies on destinations being normalized: a second normalization changes nothing.
    static void check_destination(channel via, std::string const& destination) {
        if (via == channel::email) {
            auto again = normalize_email(destination);
            if (!again || *again != destination) broken("an email reached the store unnormalized");
            return;
        }
        auto again = parse_phone_number(destination);
        if (destination != sandbox_phone_number && (!again || again->e164 != destination))
            broken("a phone number reached the store unnormalized");
    }

    static session_record session(std::optional<std::string> id) {
        session_record s;
        s.id = id.value_or("sess_fuzz");
        s.user_id = "user_fuzz";
        s.started_at = s.created_at = s.updated_at = s.last_active_at = fixed_now - 60;
        s.expires_at = fixed_now + 3600;
        s.factors.push_back(session_factor{channel::email, "email_fuzz", "fuzz@example.com"});
        return s;
    }

    static user_record user(std::string const& id) {
        user_record u;
        u.id = id;
        u.first_name = "Fuzz";
        u.metadata = R"({"plan":"free","tags":["a","b"]})";
        u.emails.push_back(user_method{"email_fuzz", "fuzz@example.com", true, fixed_now, fixed_now});
        u.phone_numbers.push_back(user_method{"pn_fuzz", "+14155552671", false, fixed_now, fixed_now});
        return u;
    }

    std::string secret_;
    std::string jwt_pem_;
};

}  // namespace moonkey::fuzz
