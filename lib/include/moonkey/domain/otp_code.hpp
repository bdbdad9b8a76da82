#pragma once
// One-time passcodes: generation and the only form in which they are stored.

#include "moonkey/core/crypto.hpp"

#include <string>
#include <string_view>

namespace moonkey {

// Returns 6 decimal digits drawn uniformly from the CSPRNG.
std::string generate_otp_code();

// Returns HMAC-SHA-256(secret, method_id ‖ code), the stored form of a code.
crypto::digest otp_code_digest(std::string_view secret, std::string_view method_id, std::string_view code);

// Returns true when `code` is exactly 6 ASCII digits.
bool is_otp_code(std::string_view code);

}  // namespace moonkey
