#pragma once
// The abuse limits of SPEC §5 for one send or verify: which counters it touches and what a refusal
// says. Pure: the store enforces the plan inside the request's own transaction.

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/error.hpp"
#include "moonkey/domain/channel.hpp"
#include "moonkey/domain/rate_rule.hpp"
#include "moonkey/domain/tenant.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moonkey {

// Per-app limits (`moonkeyctl app set APP limit_… N/window,…|off`), defaults of SPEC §5.
struct limit_settings {
    rate_rules destination{{1, 30}, {5, 600}, {20, 86400}};
    rate_rules ip_send{{30, 300}};
    rate_rules ip_verify{{30, 300}};
    rate_rules prefix{{50, 3600}};
    rate_rules daily_sms{{10000, 86400}};  // SMS per environment and UTC day: one N/1d rule or none
};

// One subject's rules a request must pass; the key is the subject hashed with the tenant and kind.
struct limit_check {
    crypto::digest key;
    rate_rules rules;
    rate_limit_kind kind;
    std::string subject;  // what the refusal names: the destination, the address, the prefix
};

// The SMS count of an environment for one UTC day, kept in shards so that sends do not queue on one row.
struct daily_cap {
    crypto::digest key;
    std::int64_t limit = 0;
    std::int64_t resets_at = 0;  // the next 00:00 UTC, Unix seconds
};

struct limit_plan {
    std::vector<limit_check> checks;
    std::optional<daily_cap> sms_cap;

    bool empty() const { return checks.empty() && !sms_cap; }
};

// Who is sending a code to where.
struct send_subject {
    tenant owner;
    channel via;
    std::string destination;  // normalized (E.164 or lower-cased email)
    std::string ip;           // the end user's address, "" when unknown
    bool public_token = false;
};

// Returns the counters one send passes: destination, ip, number prefix and the daily SMS cap.
// Public-token calls get half of every limit.
limit_plan plan_send_limits(limit_settings const& limits, send_subject const& subject, std::int64_t now);

// Returns the counters one verify passes: the ip limit (none when the ip is unknown).
limit_plan plan_verify_limits(limit_settings const& limits, tenant const& owner, std::string const& ip,
                              bool public_token);

// Returns the prefix a number shares with its neighbours: E.164 minus its last 4 digits.
std::string number_prefix(std::string const& e164);

// Returns the too_many_requests error for a check refused by `rule`, with Retry-After in seconds.
error limit_refusal(limit_check const& check, rate_rule rule, std::int64_t retry_after);

// Returns the too_many_requests error for a reached daily SMS cap.
error cap_refusal(daily_cap const& cap, std::int64_t now);

}  // namespace moonkey
