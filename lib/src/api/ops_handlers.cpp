#include "moonkey/api/ops_handlers.hpp"

#include "moonkey/core/core_services.hpp"
#include "moonkey/http/error_response.hpp"
#include "moonkey/http/response.hpp"

namespace moonkey::api {

boost::asio::awaitable<http::response> healthz(http::request_context& ctx) {
    // A constant answer: written as text, not built and serialized as a JSON object per request.
    co_return http::json_text_response(http::status::ok, R"({"status":"ok"})", ctx.request_id);
}

boost::asio::awaitable<http::response> readyz(http::request_context& ctx) {
    if (ctx.services.draining())
        co_return http::error_response(fail(errc::service_unavailable, "this instance is shutting down"),
                                       ctx.request_id);
    auto ping = co_await ctx.services.repo().ping();
    if (!ping) co_return http::error_response(ping.error(), ctx.request_id);
    co_return http::json_response(http::status::ok, boost::json::object{{"status", "ready"}}, ctx.request_id);
}

boost::asio::awaitable<http::response> metrics(http::request_context& ctx) {
    http::response res{http::status::ok, 11};
    res.set(http::beast_http::field::content_type, metrics_content_type);
    res.set("X-Request-Id", ctx.request_id);
    res.body() = ctx.services.registry().render();
    res.prepare_payload();
    co_return res;
}

}  // namespace moonkey::api
