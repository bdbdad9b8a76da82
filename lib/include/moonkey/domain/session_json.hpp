#pragma once
// The session object of SPEC §3, as the API returns it and as the JWT carries it.

#include "moonkey/store/session_records.hpp"

#include <boost/json/object.hpp>

namespace moonkey {

// Returns {id, user_id, started_at, expires_at, last_active_at, factors[…], device_fingerprint,
// created_at, updated_at}.
boost::json::object session_json(session_record const& s);

}  // namespace moonkey
