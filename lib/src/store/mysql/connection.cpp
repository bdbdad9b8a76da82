#include "moonkey/store/mysql/connection.hpp"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <mutex>

namespace moonkey::mysql {
namespace {

sql::mysql::MySQL_Driver& driver() {
    // get_mysql_driver_instance is not thread-safe on first use.
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    static sql::mysql::MySQL_Driver* instance = sql::mysql::get_mysql_driver_instance();
    return *instance;
}

}  // namespace

connection::connection(database_url const& url, std::chrono::milliseconds deadline,
                       std::size_t prepared_limit)
    : prepared_limit_(std::max<std::size_t>(1, prepared_limit)) {
    int seconds = static_cast<int>(std::max<long>(1, (deadline.count() + 999) / 1000));
    sql::ConnectOptionsMap options;
    if (!url.socket.empty()) {
        options["hostName"] = sql::SQLString("unix://" + url.socket);
    } else {
        options["hostName"] = sql::SQLString("tcp://" + url.host + ":" + std::to_string(url.port));
    }
    options["userName"] = sql::SQLString(url.user);
    options["password"] = sql::SQLString(url.password);
    options["schema"] = sql::SQLString(url.database);
    options["OPT_CONNECT_TIMEOUT"] = seconds;
    options["OPT_READ_TIMEOUT"] = seconds;
    options["OPT_WRITE_TIMEOUT"] = seconds;
    options["OPT_RECONNECT"] = false;
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    // For sql_script: a batch sends its statements in one round trip. Text SQL holds values only as
    // sql_script's hex and decimal literals; everything else binds parameters.
    options["CLIENT_MULTI_STATEMENTS"] = true;
    conn_.reset(driver().connect(options));
    statement_.reset(conn_->createStatement());
    execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    execute("SET SESSION innodb_lock_wait_timeout = " + std::to_string(seconds));
    conn_->setAutoCommit(true);
}

connection::~connection() = default;

sql::PreparedStatement& connection::prepare(std::string const& sql_text) {
    auto it = prepared_.find(sql_text);
    if (it == prepared_.end()) {
        std::unique_ptr<sql::PreparedStatement> statement(conn_->prepareStatement(sql_text));
        if (prepared_.size() >= prepared_limit_) close_least_recently_used();
        it = prepared_.emplace(sql_text, prepared_statement{std::move(statement)}).first;
    }
    it->second.last_use = ++uses_;
    return *it->second.statement;
}

void connection::close_least_recently_used() {
    auto oldest = std::min_element(prepared_.begin(), prepared_.end(), [](auto const& a, auto const& b) {
        return a.second.last_use < b.second.last_use;
    });
    if (oldest != prepared_.end()) prepared_.erase(oldest);
}

void connection::execute(std::string const& sql_text) { statement_->execute(sql_text); }

void connection::begin() { execute("START TRANSACTION"); }

void connection::commit() { execute("COMMIT"); }

void connection::rollback() noexcept {
    try {
        execute("ROLLBACK");
    } catch (...) {
        // The connection is unusable; the caller drops it on the error that brought it here.
    }
}

bool is_connection_lost(int error_code) {
    // CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ER_SERVER_SHUTDOWN,
    // ER_CONNECTION_KILLED, CR_SERVER_LOST_EXTENDED
    switch (error_code) {
        case 2002: case 2003: case 2006: case 2013: case 1053: case 1927: case 2055: case 0: return true;
        default: return false;
    }
}

}  // namespace moonkey::mysql

namespace moonkey::mysql {

void thread_init() { driver().threadInit(); }

void thread_end() { driver().threadEnd(); }

}  // namespace moonkey::mysql
