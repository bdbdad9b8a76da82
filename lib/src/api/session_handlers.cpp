#include "moonkey/api/session_handlers.hpp"

#include "moonkey/api/authenticate.hpp"
#include "moonkey/api/json_input.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/domain/session_json.hpp"
#include "moonkey/http/error_response.hpp"
#include "moonkey/http/response.hpp"

#include <boost/url/parse.hpp>

namespace moonkey::api {
namespace json = boost::json;

namespace {

outcome<session_reference> read_reference(json::object const& body) {
    session_reference ref;
    for (auto [key, slot] : {std::pair{"session_id", &ref.session_id}, std::pair{"session_token", &ref.token},
                             std::pair{"session_jwt", &ref.jwt}}) {
        auto value = optional_string(body, key);
        if (!value) return value.error();
        *slot = std::move(*value);
    }
    return ref;
}

// Returns the query parameter `name` of the request target, or nullopt.
std::optional<std::string> query_param(http::request const& req, std::string_view name) {
    auto url = boost::urls::parse_origin_form(req.target());
    if (!url) return std::nullopt;
    auto params = url->params();
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return std::string((*it).value);
}

}  // namespace

json::object issued_session_json(issued_session const& issued) {
    return json::object{{"session_token", issued.token.value_or("")},
                        {"session_jwt", issued.jwt},
                        {"session", session_json(issued.session)}};
}

boost::asio::awaitable<http::response> verify_session(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);
    auto body = json_body(ctx.req);
    if (!body) co_return http::error_response(body.error(), ctx.request_id);
    auto ref = read_reference(*body);
    if (!ref) co_return http::error_response(ref.error(), ctx.request_id);
    auto expires_in = optional_whole_number(*body, "session_expires_in");
    if (!expires_in) co_return http::error_response(expires_in.error(), ctx.request_id);

    auto issued = co_await ctx.services.sessions().verify(*caller, std::move(*ref), *expires_in);
    if (!issued) co_return http::error_response(issued.error(), ctx.request_id);
    co_return http::json_response(http::status::ok, issued_session_json(*issued), ctx.request_id);
}

boost::asio::awaitable<http::response> list_sessions(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);
    auto user_id = query_param(ctx.req, "user_id");
    if (!user_id || user_id->empty())
        co_return http::error_response(fail(errc::invalid_request, "user_id is required (?user_id=user_…)"),
                                       ctx.request_id);
    auto sessions = co_await ctx.services.sessions().list(*caller, std::move(*user_id));
    if (!sessions) co_return http::error_response(sessions.error(), ctx.request_id);
    json::array out;
    for (auto const& s : *sessions) out.push_back(session_json(s));
    co_return http::json_response(http::status::ok, json::object{{"sessions", std::move(out)}}, ctx.request_id);
}

boost::asio::awaitable<http::response> delete_session(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);
    auto body = json_body(ctx.req);
    if (!body) co_return http::error_response(body.error(), ctx.request_id);
    auto ref = read_reference(*body);
    if (!ref) co_return http::error_response(ref.error(), ctx.request_id);
    auto removed = co_await ctx.services.sessions().remove(*caller, std::move(*ref));
    if (!removed) co_return http::error_response(removed.error(), ctx.request_id);
    co_return http::json_response(http::status::ok, json::object{{"message", "session deleted"}}, ctx.request_id);
}

boost::asio::awaitable<http::response> jwks(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_or_public, true);
    if (!caller) co_return http::error_response(caller.error(), ctx.request_id);
    co_return http::json_response(http::status::ok, ctx.services.sessions().keys().jwks(), ctx.request_id);
}

}  // namespace moonkey::api
