#pragma once
// One request in, one response out: request id, media type, routing, and the one catch.

#include "moonkey/http/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace moonkey::http {

struct dispatch_result {
    response res;
    std::string_view route;  // the matched pattern, or "unmatched"
};

// Returns the response for `req`; never throws (a handler's exception becomes a 500 with the id).
boost::asio::awaitable<dispatch_result> dispatch(router const& routes, request const& req, core_services& services,
                                                 std::string peer_address);

// Returns the caller's X-Request-Id if it matches [A-Za-z0-9._:-]{1,128}, else a new id.
std::string request_id_of(request const& req);

}  // namespace moonkey::http
