#pragma once
// Operations endpoints, no key: GET /healthz (the process answers), GET /readyz (database reachable
// and not draining).

#include "moonkey/http/request_context.hpp"

#include <boost/asio/awaitable.hpp>

namespace moonkey::api {

boost::asio::awaitable<http::response> healthz(http::request_context& ctx);
boost::asio::awaitable<http::response> readyz(http::request_context& ctx);
boost::asio::awaitable<http::response> metrics(http::request_context& ctx);

}  // namespace moonkey::api
