#pragma once
// Server configuration: a file, MOONKEY_* environment variables and flags, flags winning.

#include "moonkey/core/error.hpp"
#include "moonkey/core/trusted_proxies.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace moonkey {

struct config {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 11019;
    unsigned threads = 0;  // 0: one per core
    std::string database_url;
    unsigned db_pool_size = 16;
    std::chrono::milliseconds db_timeout{3000};
    unsigned db_queue_limit = 4096;
    std::chrono::milliseconds db_queue_max_wait{100};
    unsigned db_batch_workers = 2;
    unsigned db_batch_limit = 32;
    std::chrono::milliseconds db_batch_spare_after{2};  // until batch workers past the first help
    std::string secret;
    std::string sms_provider = "console";    // console, webhook, twilio
    std::string email_provider = "console";  // console, webhook, smtp
    std::string webhook_url;
    std::string webhook_secret;
    std::string twilio_base_url = "https://api.twilio.com";
    std::string twilio_account_sid;
    std::string twilio_auth_token;
    std::string twilio_from;
    std::string smtp_url;
    std::string email_from;
    bool smtp_verify_tls = true;
    unsigned delivery_batch_max = 100;
    std::chrono::milliseconds delivery_batch_linger{5};
    std::chrono::milliseconds delivery_batch_linger_max{40};  // while busy; delivery_batch_linger: no growth
    std::chrono::milliseconds delivery_mark_interval{20};  // sent marks coalesced this long; 0: per batch
    unsigned delivery_concurrency = 4;         // batches in flight per provider and core
    unsigned delivery_queue_limit = 10000;     // messages waiting per core before requests get 503
    std::chrono::seconds delivery_lease{30};   // a message not marked sent by then is claimed again
    unsigned delivery_max_attempts = 10;
    std::chrono::seconds outbox_retention{86400};  // done messages are deleted this long after; 0: never
    std::chrono::milliseconds drain_delay{0};
    std::chrono::milliseconds memory_trim_interval{1000};  // freed heap back to the system; 0: never
    std::chrono::milliseconds loop_lag_target{10};  // loop lag past which OTP requests are shed; 0: never
    std::string metrics_host;        // empty: /metrics is served on the main listener
    std::uint16_t metrics_port = 0;
    std::string log_level = "info";
    bool access_log = true;
    std::chrono::milliseconds read_timeout{10000};
    std::chrono::milliseconds idle_timeout{60000};
    unsigned max_connections = 10000;
    trusted_proxies proxies;  // whose X-Forwarded-For names the client (public-token rate limits)
};

// What the parsed command line asked for besides the configuration.
struct config_request {
    config cfg;
    bool help = false;
    std::string help_text;
};

enum class config_use { server, admin };

// Returns the configuration read from --config FILE (or MOONKEY_CONFIG), MOONKEY_* environment
// variables and the flags of `argv`, flags winning; or invalid_request with one line naming the bad or
// unknown key. The server requires a secret of at least 32 bytes; the admin tool does not.
outcome<config_request> load_config(int argc, char const* const* argv, config_use use);

}  // namespace moonkey
