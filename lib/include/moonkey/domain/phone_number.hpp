#pragma once
// Phone numbers, parsed and validated with libphonenumber.

#include "moonkey/core/error.hpp"

#include <string>
#include <string_view>

namespace moonkey {

struct phone_number {
    std::string e164;     // "+14155552671"
    std::string region;   // ISO 3166-1 alpha-2, "US"
    std::string type;     // "mobile", "fixed_line_or_mobile", "toll_free", "premium_rate", ...
};

// Returns the number in E.164 with its region and type, or invalid_phone_number with a message
// that says what is wrong. Input must start with '+' and a country code; spaces, dots, dashes
// and parentheses are accepted and removed.
outcome<phone_number> parse_phone_number(std::string_view input);

}  // namespace moonkey
