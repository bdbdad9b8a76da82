#pragma once
// The abuse-limit counters, enforced inside the transaction of the request they count, so that a
// refused or failed request leaves no count behind and every instance sees the same counts.

#include "moonkey/domain/abuse_limits.hpp"
#include "moonkey/store/mysql/connection.hpp"

namespace moonkey::mysql {

// Locks the plan's counters, and either counts the request on each or returns the refusal of the
// limit with the longest wait (too_many_requests with retry_after). Runs in the caller's transaction.
outcome<void> enforce_limits(connection& conn, limit_plan const& plan, std::int64_t now);

// Deletes up to `limit` counters that no longer hold anything at `now`; returns how many.
std::size_t purge_limit_counters(connection& conn, std::int64_t now, unsigned limit);

}  // namespace moonkey::mysql
