#pragma once
// Reading request bodies: JSON objects and typed fields, with errors that name the field.

#include "moonkey/core/error.hpp"
#include "moonkey/http/message.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moonkey::api {

// Returns the body as a JSON object ({} for an empty body), or invalid_request saying what is wrong:
// not JSON (with the byte), not UTF-8, nested deeper than 32, not an object, or a number too large
// for a double anywhere in it (named by its path).
outcome<boost::json::object> json_body(http::request const& req);

// Returns the string field, nullopt when absent or null; invalid_request when of another type.
outcome<std::optional<std::string>> optional_string(boost::json::object const& body, std::string_view key);

// Returns the string field; invalid_request when absent, empty or of another type.
outcome<std::string> required_string(boost::json::object const& body, std::string_view key);

// Returns the whole-number field (3 and 3.0 alike), nullopt when absent or null; invalid_request
// for a fraction or a string, and invalid_request "KEY is out of range" beyond ±9e15.
outcome<std::optional<std::int64_t>> optional_whole_number(boost::json::object const& body, std::string_view key);

// Returns the boolean field, nullopt when absent or null; invalid_request when of another type.
outcome<std::optional<bool>> optional_bool(boost::json::object const& body, std::string_view key);

// Returns the object field, nullopt when absent or null; invalid_request when of another type.
outcome<std::optional<boost::json::object>> optional_object(boost::json::object const& body, std::string_view key);

}  // namespace moonkey::api
