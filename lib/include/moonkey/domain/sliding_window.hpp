#pragma once
// "N per window" enforced exactly: the times of one subject's recent events, kept as long as the
// subject's longest window and as many as its largest N, answer every rule of the subject at once
// ("1/30s,5/10m,20/1d" reads one list). One database row per subject carries the list, so every
// instance enforces the same limit.

#include "moonkey/domain/rate_rule.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moonkey {

// Unix seconds of a subject's recent events, oldest first.
using event_log = std::vector<std::int64_t>;

struct window_verdict {
    bool allowed = false;
    event_log log;               // when allowed: the list to store, with this event
    rate_rule broken{};          // when refused: the rule that refused
    std::int64_t retry_after = 0;  // when refused: seconds until the event would be allowed
};

// Returns whether one more event at `now` keeps every rule, given the stored list.
window_verdict admit(rate_rules const& rules, event_log log, std::int64_t now);

// Returns the list as stored (4 bytes an event) and back, oldest first; a value whose length is not
// a multiple of 4 reads as empty.
std::string pack_events(event_log const& log);
event_log unpack_events(std::string_view stored);

// Returns the time after which the list holds nothing any rule needs.
std::int64_t forget_at(rate_rules const& rules, event_log const& log);

}  // namespace moonkey
