#include "moonkey/domain/otp_service.hpp"

#include "moonkey/delivery/delivery_queue.hpp"
#include "moonkey/domain/email_address.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/domain/otp_code.hpp"
#include "moonkey/domain/phone_number.hpp"

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

async_outcome<login_output> otp_service::login_or_create(api_key_record const& caller, login_input input) {
    auto minutes = otp_lifetime_minutes(input.expires_in);
    if (!minutes) co_return minutes.error();
    auto destination = normalize_destination(input.via, input.destination);
    if (!destination) co_return destination.error();

    auto now = clock_();
    auto code = generate_otp_code();
    login_request request;
    request.owner = caller.owner;
    request.via = input.via;
    request.destination = *destination;
    request.requires_verification = input.requires_verification;
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
    request.locale = input.locale;

    auto stored = co_await repo_.login_or_create(request);
    if (!stored) co_return stored.error();

    delivery_.enqueue(outbound_message{
        .id = request.message_id,
        .owner = caller.owner,
        .app_name = caller.app_name,
        .via = input.via,
        .to = *destination,
        .code = code,
        .expires_at = request.expires_at,
        .expires_in_minutes = *minutes,
        .locale = input.locale,
    });
    co_return login_output{stored->user_id, stored->method_id, stored->user_created, stored->active};
}

}  // namespace moonkey
