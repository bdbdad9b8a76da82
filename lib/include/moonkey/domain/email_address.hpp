#pragma once
// Email addresses: trimmed, lower-cased and checked for a plausible form.

#include "moonkey/core/error.hpp"

#include <string>
#include <string_view>

namespace moonkey {

// Returns the trimmed, lower-cased address, or invalid_email with a message that says what is
// wrong: one '@', a local part of 1..64 characters, a domain of dot-separated labels with a dot,
// no spaces or control characters, at most 254 characters in all.
outcome<std::string> normalize_email(std::string_view input);

}  // namespace moonkey
