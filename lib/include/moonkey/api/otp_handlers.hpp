#pragma once
// POST /v1/auth/otps/...: parse, validate, one domain call, serialize.

#include "moonkey/http/request_context.hpp"

#include <boost/asio/awaitable.hpp>

namespace moonkey::api {

boost::asio::awaitable<http::response> sms_login_or_create(http::request_context& ctx);
boost::asio::awaitable<http::response> email_login_or_create(http::request_context& ctx);
boost::asio::awaitable<http::response> sms_send(http::request_context& ctx);
boost::asio::awaitable<http::response> email_send(http::request_context& ctx);
boost::asio::awaitable<http::response> verify_otp(http::request_context& ctx);

}  // namespace moonkey::api
