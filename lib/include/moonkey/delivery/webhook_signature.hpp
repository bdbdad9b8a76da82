#pragma once
// The Standard Webhooks signature (https://www.standardwebhooks.com): pure functions, no I/O.

#include <cstdint>
#include <string>
#include <string_view>

namespace moonkey {

// Returns the key a webhook secret stands for: the base64-decoded bytes after "whsec_" when the
// secret is written that way (and decodes), otherwise the secret's own bytes.
std::string webhook_key(std::string_view secret);

// Returns "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>", the value of the
// webhook-signature header for a message with this id, unix timestamp and body.
std::string webhook_signature(std::string_view secret, std::string_view id, std::int64_t timestamp,
                              std::string_view body);

}  // namespace moonkey
