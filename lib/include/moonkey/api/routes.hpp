#pragma once
// The route table of the whole API.

#include "moonkey/http/router.hpp"

namespace moonkey::api {

// Returns every endpoint of the server; GET /metrics only when `with_metrics`.
http::router make_routes(bool with_metrics = true);

// Returns a router with GET /metrics only (for a separate metrics address).
http::router make_metrics_routes();

}  // namespace moonkey::api
