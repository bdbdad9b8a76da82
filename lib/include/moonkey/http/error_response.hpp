#pragma once
// The one mapping from an error value to an HTTP answer (SPEC §1).

#include "moonkey/core/error.hpp"
#include "moonkey/http/message.hpp"

#include <string_view>

namespace moonkey::http {

// Returns the HTTP status for `code`.
status status_of(errc code);

// Returns `{"status_code", "error_type", "error_message", "request_id"}` with the status of e.code,
// and Retry-After on 429 and 503.
response error_response(error const& e, std::string_view request_id, unsigned version = 11);

}  // namespace moonkey::http
