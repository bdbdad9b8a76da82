#pragma once
// MOONKEY_DATABASE_URL: mysql://user:pass@host:port/db or mysql://user@localhost/db?socket=/path.

#include "moonkey/core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace moonkey {

struct database_url {
    std::string user;
    std::string password;
    std::string host = "127.0.0.1";
    std::uint16_t port = 3306;
    std::string database;
    std::string socket;  // when set, host and port are not used
};

// Returns the parts of `text`, or invalid_request naming what is missing or malformed.
outcome<database_url> parse_database_url(std::string_view text);

}  // namespace moonkey
