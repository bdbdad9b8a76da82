#pragma once
// Building responses.

#include "moonkey/http/message.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace moonkey::http {

// Returns a response with `body` serialized as JSON and X-Request-Id set.
response json_response(status code, boost::json::value const& body, std::string_view request_id,
                       unsigned version = 11);

// Returns the same for a body already serialized (`json` is sent as it is): for constant answers.
response json_text_response(status code, std::string json, std::string_view request_id,
                            unsigned version = 11);

}  // namespace moonkey::http
