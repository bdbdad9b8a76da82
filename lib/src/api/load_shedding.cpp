#include "moonkey/api/load_shedding.hpp"

#include "moonkey/core/core_services.hpp"
#include "moonkey/http/error_response.hpp"

namespace moonkey::api {

http::handler shed_when_overloaded(store_work work, http::handler inner) {
    return [work,
            inner = std::move(inner)](http::request_context& ctx) -> boost::asio::awaitable<http::response> {
        if (ctx.services.repo().sheds(work) || ctx.services.loop_sheds())
            co_return http::error_response(
                fail(errc::service_unavailable, "the server is overloaded; retry shortly"), ctx.request_id);
        co_return co_await inner(ctx);
    };
}

}  // namespace moonkey::api
