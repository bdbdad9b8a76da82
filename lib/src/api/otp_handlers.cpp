#include "moonkey/api/otp_handlers.hpp"

#include "moonkey/api/authenticate.hpp"
#include "moonkey/api/json_input.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/domain/otp_service.hpp"
#include "moonkey/http/error_response.hpp"
#include "moonkey/http/response.hpp"

namespace moonkey::api {
namespace json = boost::json;

namespace {

outcome<device_fingerprint> read_fingerprint(json::object const& body) {
    auto object = optional_object(body, "device_fingerprint");
    if (!object) return object.error();
    device_fingerprint fp;
    if (!*object) return fp;
    auto ip = optional_string(**object, "ip");
    if (!ip) return fail(errc::invalid_request, "device_fingerprint.ip must be a string");
    auto agent = optional_string(**object, "user_agent");
    if (!agent) return fail(errc::invalid_request, "device_fingerprint.user_agent must be a string");
    fp.ip = ip->value_or("");
    fp.user_agent = agent->value_or("");
    if (fp.ip.size() > 64) return fail(errc::invalid_request, "device_fingerprint.ip must be at most 64 characters");
    if (fp.user_agent.size() > 512)
        return fail(errc::invalid_request, "device_fingerprint.user_agent must be at most 512 characters");
    return fp;
}

outcome<login_input> read_login_input(json::object const& body, channel via) {
    login_input input;
    input.via = via;
    auto destination = required_string(body, via == channel::sms ? "phone_number" : "email");
    if (!destination) return destination.error();
    input.destination = std::move(*destination);
    auto expires_in = optional_whole_number(body, "expires_in");
    if (!expires_in) return expires_in.error();
    input.expires_in = *expires_in;
    // "requies_verification" is a misspelling real clients send; it means the same.
    for (auto key : {"requires_verification", "requies_verification"}) {
        auto requires_verification = optional_bool(body, key);
        if (!requires_verification) return requires_verification.error();
        if (*requires_verification) input.requires_verification = **requires_verification;
    }
    auto fingerprint = read_fingerprint(body);
    if (!fingerprint) return fingerprint.error();
    input.fingerprint = std::move(*fingerprint);
    return input;
}

boost::asio::awaitable<http::response> login_or_create(http::request_context& ctx, channel via) {
    auto caller = co_await authenticate(ctx, key_access::secret_or_public);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);
    auto body = json_body(ctx.req);
    if (!body) co_return http::error_response(body.error(), ctx.request_id);
    auto input = read_login_input(*body, via);
    if (!input) co_return http::error_response(input.error(), ctx.request_id);

    auto login = co_await ctx.services.otps().login_or_create(*caller, std::move(*input));
    if (!login) co_return http::error_response(login.error(), ctx.request_id);

    json::object out;
    out["user_id"] = login->user_id;
    out[via == channel::sms ? "phone_number_id" : "email_id"] = login->method_id;
    out["user_created"] = login->user_created;
    out["status"] = login->active ? "active" : "pending";
    co_return http::json_response(http::status::ok, out, ctx.request_id);
}

}  // namespace

boost::asio::awaitable<http::response> sms_login_or_create(http::request_context& ctx) {
    return login_or_create(ctx, channel::sms);
}

boost::asio::awaitable<http::response> email_login_or_create(http::request_context& ctx) {
    return login_or_create(ctx, channel::email);
}

}  // namespace moonkey::api
