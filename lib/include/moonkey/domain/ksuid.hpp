#pragma once
// K-sortable unique ids (KSUID): 4 bytes of seconds since 2014-05-13 and 16 random bytes,
// written as 27 base62 characters after a type prefix such as "user_".

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace moonkey {

// Returns `prefix` followed by a new 27-character KSUID stamped with `unix_seconds`.
std::string new_id(std::string_view prefix, std::int64_t unix_seconds);

// Returns a new id stamped with the current time.
std::string new_id(std::string_view prefix);

// Returns the 27-character base62 form of a raw 20-byte KSUID (big-endian, left-padded with '0').
std::string encode_ksuid(std::array<std::uint8_t, 20> const& raw);

// Returns true when `id` is `prefix` followed by 27 base62 characters.
bool is_id(std::string_view id, std::string_view prefix);

}  // namespace moonkey
