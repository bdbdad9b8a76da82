#pragma once
// One MySQL Connector/C++ connection with its prepared statements. Used by one worker thread only.

#include "moonkey/core/database_url.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace sql {
class Connection;
class PreparedStatement;
class Statement;
}  // namespace sql

namespace moonkey::mysql {

class connection {
public:
    // Connects (throws sql::SQLException on failure) with the deadline as connect/read/write timeouts
    // and READ COMMITTED isolation, so that lookups that match nothing take no gap locks. Accepts
    // multi-statement queries (sql_script).
    connection(database_url const& url, std::chrono::milliseconds deadline, std::size_t prepared_limit = 256);
    ~connection();

    // Returns the statement for `sql_text`, prepared once per connection. At most `prepared_limit`
    // stay prepared: a new one beyond that closes the least recently used (on the server too), so
    // that statements whose text varies (IN lists of many lengths) cannot pile up without bound.
    // The reference is valid until `prepared_limit` other statements have been prepared.
    sql::PreparedStatement& prepare(std::string const& sql_text);

    // The statements prepared now.
    std::size_t prepared_count() const { return prepared_.size(); }

    // Runs a statement that returns no rows.
    void execute(std::string const& sql_text);

    void begin();
    void commit();
    void rollback() noexcept;

    sql::Connection& raw() { return *conn_; }

private:
    struct prepared_statement {
        std::unique_ptr<sql::PreparedStatement> statement;
        std::uint64_t last_use = 0;
    };

    void close_least_recently_used();

    std::unique_ptr<sql::Connection> conn_;
    std::unique_ptr<sql::Statement> statement_;
    std::size_t prepared_limit_;
    std::uint64_t uses_ = 0;
    std::map<std::string, prepared_statement, std::less<>> prepared_;
};

// MySQL error numbers the store reacts to.
namespace server_error {
inline constexpr int duplicate_entry = 1062;
inline constexpr int lock_wait_timeout = 1205;
inline constexpr int deadlock = 1213;
}  // namespace server_error

// Returns true when the error means the connection is gone (server down, restarted, timed out).
bool is_connection_lost(int error_code);

}  // namespace moonkey::mysql

namespace moonkey::mysql {

// Per-thread set-up and tear-down of the client library, for each worker thread.
void thread_init();
void thread_end();

}  // namespace moonkey::mysql
