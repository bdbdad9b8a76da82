#pragma once
// The words around a code (SPEC §6).

#include "moonkey/delivery/message.hpp"

#include <string>

namespace moonkey {

// "123456 is your Acme verification code. It expires in 3 minutes."
std::string sms_text(outbound_message const& m);

// "Your Acme verification code"
std::string email_subject(outbound_message const& m);

// The plain-text body of the email.
std::string email_text(outbound_message const& m);

}  // namespace moonkey
