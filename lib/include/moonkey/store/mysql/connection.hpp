#pragma once
// One MySQL Connector/C++ connection with its prepared statements. Used by one worker thread only.

#include "moonkey/core/database_url.hpp"

#include <chrono>
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
    connection(database_url const& url, std::chrono::milliseconds deadline);
    ~connection();

    // Returns the statement for `sql_text`, prepared once per connection.
    sql::PreparedStatement& prepare(std::string const& sql_text);

    // Runs a statement that returns no rows.
    void execute(std::string const& sql_text);

    void begin();
    void commit();
    void rollback() noexcept;

    sql::Connection& raw() { return *conn_; }

private:
    std::unique_ptr<sql::Connection> conn_;
    std::unique_ptr<sql::Statement> statement_;
    std::map<std::string, std::unique_ptr<sql::PreparedStatement>, std::less<>> prepared_;
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
