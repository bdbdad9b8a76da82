#pragma once
// One outbound code: what the delivery queue hands to a provider.

#include "moonkey/domain/channel.hpp"
#include "moonkey/domain/tenant.hpp"

#include <cstdint>
#include <string>

namespace moonkey {

struct outbound_message {
    std::string id;  // "msg_…", also the idempotency key at the provider
    tenant owner;
    std::string app_name;
    channel via;
    std::string to;    // E.164 number or email address
    std::string code;  // in memory only; the outbox row holds it sealed
    std::int64_t expires_at = 0;
    int expires_in_minutes = 1;
    std::string locale = "en";
};

}  // namespace moonkey
