#include "moonkey/store/mysql/migrator.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <set>

namespace moonkey::mysql {
namespace {

// Splits a migration into statements at semicolons that end a line (migrations hold no procedures).
std::vector<std::string> statements_of(std::string_view text) {
    std::vector<std::string> statements;
    std::string current;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(pos, end - pos);
        pos = end + 1;
        auto trimmed = line.substr(0, line.find_last_not_of(" \t\r") + 1);
        if (trimmed.starts_with("--") || trimmed.empty()) continue;
        current.append(line).push_back('\n');
        if (trimmed.ends_with(';')) {
            statements.push_back(current);
            current.clear();
        }
    }
    if (current.find_first_not_of(" \t\r\n") != std::string::npos) statements.push_back(current);
    return statements;
}

}  // namespace

std::vector<std::string> migrate(connection& conn) {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(200) NOT NULL PRIMARY KEY,"
        " applied_at BIGINT NOT NULL) ENGINE=InnoDB");
    // One migrator at a time across hosts.
    conn.execute("DO GET_LOCK('moonkey_migrate', 60)");
    std::set<std::string> applied;
    {
        std::unique_ptr<sql::ResultSet> rows(conn.prepare("SELECT name FROM schema_migrations").executeQuery());
        while (rows->next()) applied.insert(rows->getString(1));
    }
    std::vector<std::string> done;
    try {
        for (auto const& m : built_in_migrations()) {
            if (applied.contains(std::string(m.name))) continue;
            for (auto const& statement : statements_of(m.text)) conn.execute(statement);
            auto& record = conn.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES (?, UNIX_TIMESTAMP())");
            record.setString(1, std::string(m.name));
            record.executeUpdate();
            done.emplace_back(m.name);
        }
    } catch (...) {
        conn.execute("DO RELEASE_LOCK('moonkey_migrate')");
        throw;
    }
    conn.execute("DO RELEASE_LOCK('moonkey_migrate')");
    return done;
}

}  // namespace moonkey::mysql
