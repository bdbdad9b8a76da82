#pragma once
// Schema migrations: the numbered files of sql/, built into the binary and applied in order, once.

#include "moonkey/store/mysql/connection.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace moonkey::mysql {

struct migration {
    std::string_view name;  // "001_init.sql"
    std::string_view text;
};

// Returns the migrations built into this binary, in order.
std::vector<migration> const& built_in_migrations();

// Applies the migrations not yet recorded in schema_migrations; returns the names applied.
// Throws sql::SQLException on a database failure. Safe to run again and from several hosts at once.
std::vector<std::string> migrate(connection& conn);

}  // namespace moonkey::mysql
