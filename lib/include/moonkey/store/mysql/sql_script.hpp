#pragma once
// Several statements sent to MariaDB in one round trip (a multi-statement query), for the work of a
// batch: the statements run in order and stop at the first that fails, whose error is thrown as
// sql::SQLException like a single statement's. Values go into the text only as the literals below,
// which quote only printable ASCII other than ' and \ and spell any other value in hex digits or
// decimal, so no value can end a literal or start a statement.

#include "moonkey/store/mysql/connection.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sql {
class ResultSet;
}

namespace moonkey::mysql {

// Returns a utf8mb4 string literal of `text`, compared and stored like a bound string: '…' when every
// character is printable ASCII other than ' and \, else _utf8mb4 X'…'.
std::string text_literal(std::string_view text);

// Returns a binary string literal of raw bytes (X'…'), for BINARY/VARBINARY/BLOB columns.
std::string bytes_literal(std::string_view bytes);

// Returns a binary string literal of bytes given as hex digits (`hex()` output).
std::string hex_literal(std::string_view hex_digits);

// Returns a whole-number literal.
std::string number_literal(std::int64_t n);

// Returns the literals joined by commas, e.g. for an IN list.
std::string literal_list(std::vector<std::string> const& literals);

// Returns the literals as one row of a multi-row VALUES list: "(a,b,…)".
std::string literal_row(std::vector<std::string> const& literals);

class sql_script {
public:
    using row_reader = std::function<void(sql::ResultSet&)>;

    // Appends a statement; `read` receives its rows when it returns rows.
    void add(std::string statement, row_reader read = {});

    bool empty() const { return statements_.empty(); }

    // Sends every statement in one round trip and hands each result set to its reader, in order.
    void run(connection& conn) const;

private:
    std::vector<std::string> statements_;
    std::vector<row_reader> readers_;
};

}  // namespace moonkey::mysql
