#pragma once
// The HTTP message types every layer above the socket uses.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace moonkey::http {

namespace beast_http = boost::beast::http;
using request = beast_http::request<beast_http::string_body>;
using response = beast_http::response<beast_http::string_body>;
using status = beast_http::status;
using verb = beast_http::verb;

}  // namespace moonkey::http
