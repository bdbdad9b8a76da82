#include "moonkey/domain/otp_service.hpp"

#include "moonkey/delivery/delivery_queue.hpp"
#include "moonkey/domain/email_address.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/domain/otp_code.hpp"
#include "moonkey/domain/otp_verdict.hpp"
#include "moonkey/domain/phone_number.hpp"
#include "moonkey/domain/sms_destination_policy.hpp"

namespace moonkey {

outcome<int> otp_lifetime_minutes(std::optional<std::int64_t> expires_in) {
    if (!expires_in || *expires_in == 0) return 1;
    if (*expires_in < 1 || *expires_in > 10)
        return fail(errc::invalid_request, "expires_in must be 1 to 10 minutes (or 0 for the default of 1)");
    return static_cast<int>(*expires_in);
}

outcome<std::string> normalize_destination(channel via, std::string_view raw) {
    if (via == channel::email) return normalize_email(raw);
    auto number = parse_phone_number(raw);
    if (!number) return number.error();
    return std::move(number->e164);
}

outcome<std::string> sendable_destination(channel via, std::string_view raw, app_settings const& settings) {
    if (via == channel::email) return normalize_email(raw);
    auto number = parse_phone_number(raw);
    if (!number) return number.error();
    if (auto allowed = check_sms_destination(*number, settings); !allowed) return allowed.error();
    return std::move(number->e164);
}

std::string limited_address(api_key_record const& caller, device_fingerprint const& fingerprint,
                            std::string const& client_address) {
    return caller.kind == key_kind::public_token ? client_address : fingerprint.ip;
}

bool is_sandbox(environment env, channel via, std::string_view destination) {
    if (env != environment::test) return false;
    if (via == channel::sms) return destination == sandbox_phone_number;
    auto email = normalize_email(destination);
    return email && *email == sandbox_email;
}

async_outcome<login_output> otp_service::login_or_create(api_key_record const& caller, login_input input) {
    return issue(caller, std::move(input), true);
}

async_outcome<login_output> otp_service::send(api_key_record const& caller, login_input input) {
    return issue(caller, std::move(input), false);
}

async_outcome<login_output> otp_service::issue(api_key_record const& caller, login_input input,
                                               bool create_if_missing) {
    auto minutes = otp_lifetime_minutes(input.expires_in);
    if (!minutes) co_return minutes.error();
    bool sandbox = is_sandbox(caller.owner.env, input.via, input.destination);
    auto destination = sandbox ? outcome<std::string>(input.via == channel::sms ? sandbox_phone_number : sandbox_email)
                               : sendable_destination(input.via, input.destination, caller.settings);
    if (!destination) co_return destination.error();

    if (!sandbox && delivery_.full())
        co_return fail(errc::service_unavailable, "too many messages are waiting to be sent; retry shortly");

    auto now = clock_();
    auto code = sandbox ? std::string(sandbox_code) : generate_otp_code();
    auto locale = input.locale.empty() ? caller.settings.default_locale : input.locale;
    login_request request;
    request.owner = caller.owner;
    request.via = input.via;
    request.destination = *destination;
    request.requires_verification = input.requires_verification;
    request.create_if_missing = create_if_missing;
    request.queue_message = !sandbox;
    request.new_user_id = new_id("user_", now);
    request.new_method_id = new_id(method_id_prefix(input.via), now);
    request.code_digest = [secret = secret_, code](std::string_view method_id) {
        return otp_code_digest(secret, method_id, code);
    };
    request.now = now;
    request.expires_at = now + *minutes * 60;
    request.fingerprint = input.fingerprint;
    request.message_id = new_id("msg_", now);
    request.sealed_code = crypto::seal(secret_, code);
    request.locale = locale;
    request.lease_until = now + delivery_lease_.count();
    if (!sandbox) {
        send_subject subject{caller.owner, input.via, *destination,
                             limited_address(caller, input.fingerprint, input.client_address),
                             caller.kind == key_kind::public_token};
        request.limits = plan_send_limits(caller.settings.limits, subject, now);
    }

    // The message is made before the request goes to the repository, which takes it by value: moved
    // there rather than copied (its strings, the digest function and the limit plan).
    std::optional<outbound_message> message;
    if (!sandbox) message = outbound_message{
        .id = request.message_id,
        .owner = caller.owner,
        .via = input.via,
        .to = *destination,
        .code = code,
        .expires_at = request.expires_at,
        .expires_in_minutes = *minutes,
        .locale = locale,
        .style = message_style_of(caller.app_name, caller.settings),
        .attempts = 0,
        .lease_until = request.lease_until,
    };
    auto stored = co_await repo_.login_or_create(std::move(request));
    if (!stored) co_return stored.error();

    if (message) delivery_.enqueue(std::move(*message));
    co_return login_output{stored->user_id, stored->method_id, stored->user_created, stored->active};
}

async_outcome<verify_output> otp_service::verify(api_key_record const& caller, verify_input input) {
    if (!is_otp_code(input.code)) co_return fail(errc::invalid_request, "otp must be the 6 digits that were sent");
    auto now = clock_();
    verify_request request;
    request.owner = caller.owner;
    request.method_id = input.method_id;
    request.now = now;
    request.fingerprint = input.fingerprint;
    request.limits = plan_verify_limits(caller.settings.limits, caller.owner,
                                        limited_address(caller, input.fingerprint, input.client_address),
                                        caller.kind == key_kind::public_token);
    request.judge = [attempt = otp_attempt{otp_code_digest(secret_, input.method_id, input.code), now,
                                           input.fingerprint, caller.settings.fingerprint}](stored_otp const& stored) {
        return judge_otp(stored, attempt);
    };

    auto& plan = request.session;
    if (input.session_expires_in) {
        auto minutes = session_lifetime_minutes(*input.session_expires_in);
        if (!minutes) co_return minutes.error();
        plan.expires_at = now + *minutes * 60;
    }
    std::optional<std::string> new_token;
    if (input.session.token || input.session.jwt) {
        if (input.session.token && input.session.jwt)
            co_return fail(errc::invalid_request, "send session_token or session_jwt, not both");
        auto selector = sessions_.select(caller, input.session);
        if (!selector) co_return selector.error();
        plan.what = session_plan::action::extend;
        plan.existing = *selector;
    } else if (plan.expires_at) {
        auto [token, digest] = session_service::new_token();
        plan.what = session_plan::action::create;
        plan.new_session_id = new_id("sess_", now);
        plan.new_token_digest = digest;
        new_token = std::move(token);
    }

    auto verified = co_await repo_.verify_otp(std::move(request));
    if (!verified) co_return verified.error();
    verify_output out{std::move(*verified), std::nullopt};
    if (out.result.session) {
        auto jwt = co_await sessions_.mint_jwt(caller, *out.result.session);
        if (!jwt) co_return jwt.error();
        auto token = new_token ? new_token : input.session.token;
        out.session = issued_session{*out.result.session, std::move(token), std::move(*jwt)};
    }
    co_return out;
}

}  // namespace moonkey
