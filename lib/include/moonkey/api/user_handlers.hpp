#pragma once
// /v1/auth/users/...: parse, validate, one domain call, serialize. Secret keys only.

#include "moonkey/http/request_context.hpp"

#include <boost/asio/awaitable.hpp>

namespace moonkey::api {

boost::asio::awaitable<http::response> create_user(http::request_context& ctx);
boost::asio::awaitable<http::response> get_user(http::request_context& ctx);     // {id}
boost::asio::awaitable<http::response> update_user(http::request_context& ctx);  // {id}
boost::asio::awaitable<http::response> delete_user(http::request_context& ctx);  // {id}
boost::asio::awaitable<http::response> search_users(http::request_context& ctx);
boost::asio::awaitable<http::response> delete_user_email(http::request_context& ctx);         // {email_id}
boost::asio::awaitable<http::response> delete_user_phone_number(http::request_context& ctx);  // {id}

}  // namespace moonkey::api
