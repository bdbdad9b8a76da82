#pragma once
// The ways a code reaches a person, and the login methods they stand for.

#include <string_view>

namespace moonkey {

enum class channel { sms, email };

// "sms" / "email"
std::string_view to_string(channel ch);

// The method type of SPEC §3: "phone_number" / "email".
std::string_view method_type_of(channel ch);

// The id prefix of the method: "pn_" / "email_".
std::string_view method_id_prefix(channel ch);

}  // namespace moonkey
