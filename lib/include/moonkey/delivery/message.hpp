#pragma once
// One outbound code: what the delivery queue hands to a provider.

#include "moonkey/domain/channel.hpp"
#include "moonkey/domain/tenant.hpp"

#include <cstdint>
#include <string>

namespace moonkey {

// What the app says about how its messages look (per-app settings, SPEC §2 and §6).
struct message_style {
    std::string app_name;
    std::string domain;      // adds the WebOTP line "@domain #code" to SMS when set
    std::string sms_from;    // overrides the provider's sender when set
    std::string email_from;  // overrides the provider's sender when set
    std::string sms_template;             // "{code} is your {app} code" style; empty = the locale's text
    std::string email_subject_template;   // likewise
    std::string email_text_template;
    std::string email_html_template;
};

struct outbound_message {
    std::string id;  // "msg_…", also the idempotency key at the provider
    tenant owner;
    channel via;
    std::string to;    // E.164 number or email address
    std::string code;  // in memory only; the outbox row holds it sealed
    std::int64_t expires_at = 0;
    int expires_in_minutes = 1;
    std::string locale = "en";  // en, es, fr, de, pt-br
    message_style style;
    int attempts = 0;              // sends tried so far
    std::int64_t lease_until = 0;  // after this, the row belongs to lease recovery: do not send
};

}  // namespace moonkey
