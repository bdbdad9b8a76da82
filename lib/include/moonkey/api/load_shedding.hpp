#pragma once
// Load shedding at the door. Under overload the database's queue refuses new work (503); a request
// refused there has already cost its key lookup, JSON and phone-number parsing, code generation and
// sealing, and on two shared cores that CPU is what the accepted requests and the refusals queue
// behind. So the handlers whose work goes to the database ask the store first, and while it sheds
// they answer 503 service_unavailable with Retry-After at once, before any of that. They also shed
// a share of their requests while the core's loop runs late (loop_lag.hpp): then the CPU, not the
// database queue, is what every request waits for.

#include "moonkey/http/router.hpp"
#include "moonkey/store/repository.hpp"

namespace moonkey::api {

// Returns `inner` behind the store's admission check for `work`: while the store sheds that work
// (repository::sheds), or for the share of requests core_services::loop_sheds picks while the loop
// runs late, the answer is 503 service_unavailable with Retry-After: 1 and `inner` does not run.
http::handler shed_when_overloaded(store_work work, http::handler inner);

}  // namespace moonkey::api
