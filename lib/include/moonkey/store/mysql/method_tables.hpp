#pragma once
// The two tables of user identifiers (emails, phone_numbers), which share their shape, and how a
// user's status is stored.

#include "moonkey/core/error.hpp"
#include "moonkey/domain/channel.hpp"
#include "moonkey/store/user_repository.hpp"

#include <string_view>

namespace moonkey::mysql {

struct method_table {
    char const* table;
    char const* column;
    errc duplicate;
    char const* noun;
};

inline constexpr method_table email_table{"emails", "email", errc::duplicate_email, "email"};
inline constexpr method_table phone_table{"phone_numbers", "phone_number", errc::duplicate_phone_number,
                                          "phone number"};

// Returns the table of the identifiers a channel sends to.
constexpr method_table const& method_table_of(channel via) { return via == channel::sms ? phone_table : email_table; }

// Returns the users.status text of a status, and back.
constexpr char const* status_text(user_status s) { return s == user_status::active ? "active" : "pending"; }
inline user_status status_of(std::string_view text) { return text == "active" ? user_status::active : user_status::pending; }

}  // namespace moonkey::mysql
