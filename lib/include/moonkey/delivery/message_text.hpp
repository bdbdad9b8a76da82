#pragma once
// The words around a code (SPEC §6): SMS text, email subject, plain-text and HTML bodies, in the
// locales en, es, fr, de and pt-br (any other locale gets English). An app's own template, when
// set, replaces the locale's words; {code}, {app} and {minutes} in it are filled in.

#include "moonkey/delivery/message.hpp"

#include <string>
#include <string_view>

namespace moonkey {

// Returns "123456 is your Acme verification code. It expires in 3 minutes." in the message's
// locale, plus a second line "@acme.com #123456" (the WebOTP format) when the app has a domain.
std::string sms_text(outbound_message const& m);

// Returns "123456 is your Acme verification code" in the message's locale: one line, never CR or LF.
std::string email_subject(outbound_message const& m);

// Returns the plain-text body of the email (lines end with "\n").
std::string email_text(outbound_message const& m);

// Returns the HTML body of the email: a whole document with inline styles and no external resources.
// The app name and every value filled into a template are HTML-escaped.
std::string email_html(outbound_message const& m);

// Returns the locale the texts use for `locale`: one of "en", "es", "fr", "de", "pt-br".
std::string_view text_locale(std::string_view locale);

}  // namespace moonkey
