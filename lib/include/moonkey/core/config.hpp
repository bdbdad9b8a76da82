#pragma once
// Server configuration: a file, MOONKEY_* environment variables and flags, flags winning.

#include "moonkey/core/error.hpp"

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
    std::string secret;
    std::string sms_provider = "console";
    std::string email_provider = "console";
    std::chrono::milliseconds drain_delay{0};
    std::string log_level = "info";
    bool access_log = true;
    std::chrono::milliseconds read_timeout{10000};
    std::chrono::milliseconds idle_timeout{60000};
    unsigned max_connections = 10000;
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
