#pragma once
// OTP login: who may be sent a code, the code itself, and the message that carries it.

#include "moonkey/core/clock.hpp"
#include "moonkey/store/repository.hpp"

#include <optional>
#include <string>

namespace moonkey {

class delivery_queue;

struct login_input {
    channel via;
    std::string destination;  // as the caller sent it
    std::optional<std::int64_t> expires_in;  // minutes; 0 or nullopt means the default
    bool requires_verification = false;
    device_fingerprint fingerprint;
    std::string locale = "en";
};

struct login_output {
    std::string user_id;
    std::string method_id;
    bool user_created = false;
    bool active = false;
};

class otp_service {
public:
    otp_service(repository& repo, delivery_queue& delivery, std::string secret, unix_clock clock)
        : repo_(repo), delivery_(delivery), secret_(std::move(secret)), clock_(std::move(clock)) {}

    // Finds or creates the user of the phone number or email, replaces its code and queues the
    // message. Errors: invalid_request (expires_in), invalid_phone_number, invalid_email,
    // service_unavailable.
    async_outcome<login_output> login_or_create(api_key_record const& caller, login_input input);

private:
    repository& repo_;
    delivery_queue& delivery_;
    std::string secret_;
    unix_clock clock_;
};

// Returns the code lifetime in minutes for `expires_in` (1..10, default 1), or invalid_request.
outcome<int> otp_lifetime_minutes(std::optional<std::int64_t> expires_in);

// Returns the normalized destination for the channel, or invalid_phone_number / invalid_email.
outcome<std::string> normalize_destination(channel via, std::string_view raw);

}  // namespace moonkey
