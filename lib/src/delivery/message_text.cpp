#include "moonkey/delivery/message_text.hpp"

namespace moonkey {
namespace {

std::string minutes_phrase(int minutes) {
    return minutes == 1 ? "1 minute" : std::to_string(minutes) + " minutes";
}

}  // namespace

std::string sms_text(outbound_message const& m) {
    return m.code + " is your " + m.app_name + " verification code. It expires in " +
           minutes_phrase(m.expires_in_minutes) + ".";
}

std::string email_subject(outbound_message const& m) { return "Your " + m.app_name + " verification code"; }

std::string email_text(outbound_message const& m) {
    return "Your " + m.app_name + " verification code is " + m.code + ".\n\nIt expires in " +
           minutes_phrase(m.expires_in_minutes) + ". If you did not ask for it, ignore this email.\n";
}

}  // namespace moonkey
