#pragma once
// Per-app settings (SPEC §2), stored as a JSON object on the app with optional per-environment
// overrides under "test" and "live".

#include "moonkey/core/error.hpp"
#include "moonkey/delivery/message.hpp"
#include "moonkey/domain/abuse_limits.hpp"
#include "moonkey/domain/tenant.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moonkey {

enum class fingerprint_match { none, ip, user_agent, both };

struct app_settings {
    fingerprint_match fingerprint = fingerprint_match::none;
    std::string default_locale = "en";
    std::string domain;  // for the WebOTP line of SMS texts
    std::string sms_from;
    std::string email_from;
    std::string sms_template;  // placeholders {code}, {app}, {minutes}
    std::string email_subject_template;
    std::string email_text_template;
    std::string email_html_template;
    limit_settings limits;
    std::vector<std::string> sms_allowed_countries{"US", "CA"};  // ISO codes; {"*"}: every country
    // libphonenumber types that may receive codes; premium-rate, shared-cost, toll-free and other
    // types that cannot take an SMS (or exist to bill the sender) are left out.
    std::vector<std::string> sms_allowed_number_types{"mobile", "fixed_line_or_mobile", "voip", "personal_number"};
};

// Returns the settings for `env` from the stored JSON (unknown keys ignored, bad values defaulted).
app_settings parse_app_settings(std::string_view stored_json, environment env);

// Returns how the app's messages look.
message_style message_style_of(std::string const& app_name, app_settings const& settings);

// Returns the stored JSON with `key` set to `value` (for `env` only when given), or invalid_request
// naming an unknown key or a bad value.
outcome<std::string> set_app_setting(std::string_view stored_json, std::string_view key, std::string_view value,
                                     std::optional<environment> env);

}  // namespace moonkey
