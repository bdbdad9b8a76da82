#include "moonkey/api/ops_handlers.hpp"

#include "moonkey/core/core_services.hpp"
#include "moonkey/http/error_response.hpp"
#include "moonkey/http/response.hpp"

namespace moonkey::api {

boost::asio::awaitable<http::response> healthz(http::request_context& ctx) {
    co_return http::json_response(http::status::ok, boost::json::object{{"status", "ok"}}, ctx.request_id);
}

boost::asio::awaitable<http::response> readyz(http::request_context& ctx) {
    if (ctx.services.draining())
        co_return http::error_response(fail(errc::service_unavailable, "this instance is shutting down"),
                                       ctx.request_id);
    auto ping = co_await ctx.services.repo().ping();
    if (!ping) co_return http::error_response(ping.error(), ctx.request_id);
    co_return http::json_response(http::status::ok, boost::json::object{{"status", "ready"}}, ctx.request_id);
}

}  // namespace moonkey::api
