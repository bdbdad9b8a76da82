#pragma once
// /v1/auth/sessions/... and the JWKS: parse, validate, one domain call, serialize.

#include "moonkey/domain/session_service.hpp"
#include "moonkey/http/request_context.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

namespace moonkey::api {

boost::asio::awaitable<http::response> verify_session(http::request_context& ctx);
boost::asio::awaitable<http::response> list_sessions(http::request_context& ctx);
boost::asio::awaitable<http::response> delete_session(http::request_context& ctx);
boost::asio::awaitable<http::response> jwks(http::request_context& ctx);

// Returns {session_token, session_jwt, session} for a response body.
boost::json::object issued_session_json(issued_session const& issued);

}  // namespace moonkey::api
