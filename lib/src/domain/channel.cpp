#include "moonkey/domain/channel.hpp"

namespace moonkey {

std::string_view to_string(channel ch) { return ch == channel::sms ? "sms" : "email"; }

std::string_view method_type_of(channel ch) { return ch == channel::sms ? "phone_number" : "email"; }

std::string_view method_id_prefix(channel ch) { return ch == channel::sms ? "pn_" : "email_"; }

}  // namespace moonkey
