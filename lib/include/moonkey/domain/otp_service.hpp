#pragma once
// OTP login: who may be sent a code, the code itself, and the message that carries it.

#include "moonkey/core/clock.hpp"
#include "moonkey/domain/session_service.hpp"
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
    std::string locale;  // empty: the app's default
    std::string client_address;  // the caller's address (behind trusted proxies: the client's)
};

struct verify_input {
    std::string method_id;
    std::string code;
    device_fingerprint fingerprint;
    std::optional<std::int64_t> session_expires_in;  // minutes
    session_reference session;                      // token or JWT of a session to extend
    std::string client_address;
};

struct verify_output {
    verify_result result;
    std::optional<issued_session> session;
};

struct login_output {
    std::string user_id;
    std::string method_id;
    bool user_created = false;
    bool active = false;
};

class otp_service {
public:
    // `delivery_lease`: how long this instance owns a new message before lease recovery may claim it.
    otp_service(repository& repo, delivery_queue& delivery, session_service& sessions, std::string secret,
                unix_clock clock, std::chrono::seconds delivery_lease)
        : repo_(repo),
          delivery_(delivery),
          sessions_(sessions),
          secret_(std::move(secret)),
          clock_(std::move(clock)),
          delivery_lease_(delivery_lease) {}

    // Finds or creates the user of the phone number or email, replaces its code and queues the
    // message, within the app's abuse limits. Errors: invalid_request (expires_in),
    // invalid_phone_number, unsupported_phone_number (country or number type not allowed),
    // invalid_email, too_many_requests, service_unavailable.
    async_outcome<login_output> login_or_create(api_key_record const& caller, login_input input);

    // As login_or_create, for a phone number or email that must already belong to a user.
    // Errors: as login_or_create, and phone_number_not_found / email_not_found.
    async_outcome<login_output> send(api_key_record const& caller, login_input input);

    // Checks the code (SPEC §4) and, when it is right, creates or extends a session as asked.
    // Errors: invalid_request, too_many_requests (verifies from one address), otp_not_found, otp_expired, too_many_attempts,
    // device_fingerprint_mismatch, invalid_otp, session_not_found, service_unavailable.
    async_outcome<verify_output> verify(api_key_record const& caller, verify_input input);

private:
    async_outcome<login_output> issue(api_key_record const& caller, login_input input, bool create_if_missing);

    repository& repo_;
    delivery_queue& delivery_;
    session_service& sessions_;
    std::string secret_;
    unix_clock clock_;
    std::chrono::seconds delivery_lease_;
};

// Returns the code lifetime in minutes for `expires_in` (1..10, default 1), or invalid_request.
outcome<int> otp_lifetime_minutes(std::optional<std::int64_t> expires_in);

// Returns the normalized destination for the channel, or invalid_phone_number / invalid_email.
outcome<std::string> normalize_destination(channel via, std::string_view raw);

// Returns the normalized destination when the app may send codes to it: as normalize_destination,
// and unsupported_phone_number for a country or number type the app does not allow.
outcome<std::string> sendable_destination(channel via, std::string_view raw, app_settings const& settings);

// Returns the address the ip limits count: the client's address for public-token calls (the
// fingerprint comes from the browser and could be anything), else the fingerprint's ip.
std::string limited_address(api_key_record const& caller, device_fingerprint const& fingerprint,
                            std::string const& client_address);

// Sandbox destinations (test environment only) send nothing and accept the code 000000.
inline constexpr char const* sandbox_phone_number = "+10000000000";
inline constexpr char const* sandbox_email = "sandbox@moonkey.fun";
inline constexpr char const* sandbox_code = "000000";

// Returns true when `destination` (as sent) is the sandbox destination of `via` in `env`.
bool is_sandbox(environment env, channel via, std::string_view destination);

}  // namespace moonkey
