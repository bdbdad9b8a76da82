#pragma once
// The abuse-limit counters, enforced inside the transaction of the request they count, so that a
// refused or failed request leaves no count behind and every instance sees the same counts.

#include "moonkey/domain/abuse_limits.hpp"
#include "moonkey/domain/sliding_window.hpp"
#include "moonkey/store/mysql/connection.hpp"
#include "moonkey/store/mysql/sql_script.hpp"

#include <map>
#include <set>

namespace moonkey::mysql {

// The counters of several requests' plans in one transaction: locked and read together (at most two
// statements of the caller's script), judged request by request in order as if each ran alone, and
// written together (at most three statements of another script). Counts only the requests told to
// count().
class limit_ledger {
public:
    // What count() needs of a plan that check() passed.
    struct pass {
        struct counter {
            std::string key_hex;
            event_log events;  // the stored events and this one
            std::int64_t forget_at = 0;
        };
        std::vector<counter> counters;
        daily_cap const* sms_cap = nullptr;
    };

    // A ledger of the counters of every plan, empty until read.
    explicit limit_ledger(std::vector<limit_plan const*> const& plans);

    // Adds to `script` the statements that lock the counters and read the daily caps' counts (none
    // when no plan has anything to count); running the script fills this ledger, which must outlive
    // the run.
    void read(sql_script& script);

    // Returns whether one more request of `plan` keeps every limit, given what was counted so far:
    // the pass to count, or the refusal of the limit with the longest wait.
    outcome<pass> check(limit_plan const& plan, std::int64_t now) const;

    // Counts a passed request.
    void count(pass passed);

    // Adds to `script` the statements that write every count made since reading.
    void write(sql_script& script) const;

private:
    struct daily_count {
        std::int64_t stored = 0;
        std::int64_t added = 0;
        std::int64_t resets_at = 0;
    };

    std::set<std::string> keys_;                   // every counter's key (hex)
    std::map<std::string, event_log> logs_;        // key (hex) → its events as counted so far
    std::set<std::string> stored_;                 // keys (hex) whose row existed when locked
    std::map<std::string, std::int64_t> changed_;  // key (hex) → forget_at, for the keys counted on
    std::map<std::string, daily_count> days_;      // daily cap key (hex) → its counts
};

// Locks the plan's counters, and either counts the request on each or returns the refusal of the
// limit with the longest wait (too_many_requests with retry_after). Runs in the caller's transaction.
outcome<void> enforce_limits(connection& conn, limit_plan const& plan, std::int64_t now);

// Deletes up to `limit` counters that no longer hold anything at `now`; returns how many.
std::size_t purge_limit_counters(connection& conn, std::int64_t now, unsigned limit);

}  // namespace moonkey::mysql
