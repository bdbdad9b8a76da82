#pragma once
// The route table of the whole API.

#include "moonkey/http/router.hpp"

namespace moonkey::api {

// Returns every endpoint of the server.
http::router make_routes();

}  // namespace moonkey::api
