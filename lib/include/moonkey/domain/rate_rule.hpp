#pragma once
// A rate limit written "N/window" (SPEC §2): at most `count` events per `window_seconds`, with
// several joined by commas ("1/30s,5/10m,20/1d") or "off".

#include "moonkey/core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moonkey {

struct rate_rule {
    std::int64_t count = 0;
    std::int64_t window_seconds = 0;

    friend bool operator==(rate_rule const&, rate_rule const&) = default;
};

// No rules means the limit is off.
using rate_rules = std::vector<rate_rule>;

// Returns the rules of `text` ("1/30s,5/10m,20/1d", windows in s, m, h or d; "off" for none), or
// invalid_request saying how to write them.
outcome<rate_rules> parse_rate_rules(std::string_view text);

// Returns the rules written as parse_rate_rules reads them ("off" for none).
std::string format_rate_rules(rate_rules const& rules);

// Returns one rule as the messages show it: "5 per 10 minutes".
std::string describe_rate_rule(rate_rule rule);

// Returns the rules with every count halved (at least 1): the stricter limits of public tokens.
rate_rules halved(rate_rules rules);

}  // namespace moonkey
