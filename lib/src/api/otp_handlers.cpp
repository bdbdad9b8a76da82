#include "moonkey/api/otp_handlers.hpp"

#include "moonkey/api/authenticate.hpp"
#include "moonkey/api/json_input.hpp"
#include "moonkey/api/session_handlers.hpp"
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

enum class send_mode { login_or_create, existing_only };

std::string client_address(http::request_context const& ctx) {
    return ctx.services.cfg().proxies.client_address(ctx.peer_address, ctx.req["X-Forwarded-For"]);
}

// Returns the error response, counting a rate-limit refusal on the metrics.
http::response refusal_response(http::request_context& ctx, error const& e) {
    if (e.limit) ctx.services.metrics().rate_limited(*e.limit);
    return http::error_response(e, ctx.request_id);
}

boost::asio::awaitable<http::response> send_code(http::request_context& ctx, channel via, send_mode mode) {
    auto caller = co_await authenticate(ctx, key_access::secret_or_public);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);
    auto body = json_body(ctx.req);
    if (!body) co_return http::error_response(body.error(), ctx.request_id);
    auto input = read_login_input(*body, via);
    if (!input) co_return http::error_response(input.error(), ctx.request_id);
    input->client_address = client_address(ctx);

    bool sends = !is_sandbox(caller->owner.env, via, input->destination);
    auto& otps = ctx.services.otps();
    // (No co_await inside ?: — GCC 12 destroys its result too early.)
    outcome<login_output> login = fail(errc::internal_server_error, "");
    if (mode == send_mode::login_or_create) {
        login = co_await otps.login_or_create(*caller, std::move(*input));
    } else {
        login = co_await otps.send(*caller, std::move(*input));
    }
    if (!login) co_return refusal_response(ctx, login.error());
    if (sends) ctx.services.metrics().otp_sent(via);

    json::object out;
    out["user_id"] = login->user_id;
    out[via == channel::sms ? "phone_number_id" : "email_id"] = login->method_id;
    if (mode == send_mode::login_or_create) {
        out["user_created"] = login->user_created;
        out["status"] = login->active ? "active" : "pending";
    }
    co_return http::json_response(http::status::ok, out, ctx.request_id);
}

outcome<verify_input> read_verify_input(json::object const& body) {
    verify_input input;
    auto method_id = required_string(body, "method_id");
    if (!method_id) return method_id.error();
    input.method_id = std::move(*method_id);
    auto code = required_string(body, "otp");
    if (!code) return code.error();
    input.code = std::move(*code);
    auto fingerprint = read_fingerprint(body);
    if (!fingerprint) return fingerprint.error();
    input.fingerprint = std::move(*fingerprint);
    auto expires_in = optional_whole_number(body, "session_expires_in");
    if (!expires_in) return expires_in.error();
    input.session_expires_in = *expires_in;
    auto token = optional_string(body, "session_token");
    if (!token) return token.error();
    input.session.token = std::move(*token);
    auto jwt = optional_string(body, "session_jwt");
    if (!jwt) return jwt.error();
    input.session.jwt = std::move(*jwt);
    return input;
}

}  // namespace

boost::asio::awaitable<http::response> verify_otp(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_or_public);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);
    auto body = json_body(ctx.req);
    if (!body) co_return http::error_response(body.error(), ctx.request_id);
    auto input = read_verify_input(*body);
    if (!input) co_return http::error_response(input.error(), ctx.request_id);
    input->client_address = client_address(ctx);

    auto verified = co_await ctx.services.otps().verify(*caller, std::move(*input));
    ctx.services.metrics().otp_verified(verified ? core_metrics::otp_result::ok
                                                 : core_metrics::otp_result_of(verified.error().code));
    if (!verified) co_return refusal_response(ctx, verified.error());

    json::object out{{"method_id", verified->result.method_id},
                     {"method_type", method_type_of(verified->result.via)},
                     {"user_id", verified->result.user_id}};
    if (verified->session) {
        for (auto& [key, value] : issued_session_json(*verified->session)) out[key] = value;
    }
    co_return http::json_response(http::status::ok, out, ctx.request_id);
}

boost::asio::awaitable<http::response> sms_login_or_create(http::request_context& ctx) {
    return send_code(ctx, channel::sms, send_mode::login_or_create);
}

boost::asio::awaitable<http::response> email_login_or_create(http::request_context& ctx) {
    return send_code(ctx, channel::email, send_mode::login_or_create);
}

boost::asio::awaitable<http::response> sms_send(http::request_context& ctx) {
    return send_code(ctx, channel::sms, send_mode::existing_only);
}

boost::asio::awaitable<http::response> email_send(http::request_context& ctx) {
    return send_code(ctx, channel::email, send_mode::existing_only);
}

}  // namespace moonkey::api
