#include "moonkey/store/mysql/sql_script.hpp"

#include "moonkey/store/mysql/row_codec.hpp"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace moonkey::mysql {

namespace {

// Printable ASCII other than the quote and the backslash: inside '…' such a character stands for
// itself in every sql_mode and every connection character set.
bool spells_itself(char c) {
    return c >= 0x20 && c <= 0x7e && c != '\'' && c != '\\';
}

}  // namespace

// Ids, phone numbers and most emails are plain ASCII: quoted as they are, they are half as long as in
// hex and MariaDB parses them without the charset introducer's lookup (a batch's parse is a fifth of
// MariaDB's CPU). Anything else goes in hex.
std::string text_literal(std::string_view text) {
    if (std::all_of(text.begin(), text.end(), spells_itself)) {
        std::string quoted;
        quoted.reserve(text.size() + 2);
        quoted.append(1, '\'').append(text).append(1, '\'');
        return quoted;
    }
    return "_utf8mb4 X'" + hex(text) + "'";
}

std::string bytes_literal(std::string_view bytes) { return "X'" + hex(bytes) + "'"; }

std::string hex_literal(std::string_view hex_digits) {
    std::string literal = "X'";
    for (char c : hex_digits) {
        bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!digit) throw std::invalid_argument("hex_literal: not a hex digit");
    }
    if (hex_digits.size() % 2 != 0) throw std::invalid_argument("hex_literal: odd number of hex digits");
    literal.append(hex_digits);
    literal.push_back('\'');
    return literal;
}

std::string number_literal(std::int64_t n) { return std::to_string(n); }

std::string literal_list(std::vector<std::string> const& literals) {
    std::string list;
    for (auto const& literal : literals) {
        if (!list.empty()) list.push_back(',');
        list.append(literal);
    }
    return list;
}

std::string literal_row(std::vector<std::string> const& literals) {
    std::string row = "(";
    row.append(literal_list(literals));
    row.push_back(')');
    return row;
}

void sql_script::add(std::string statement, row_reader read) {
    statements_.push_back(std::move(statement));
    readers_.push_back(std::move(read));
}

void sql_script::run(connection& conn) const {
    if (statements_.empty()) return;
    std::string text;
    for (auto const& statement : statements_) {
        if (!text.empty()) text.append(";\n");
        text.append(statement);
    }
    std::unique_ptr<sql::Statement> statement(conn.raw().createStatement());
    // One result per statement: the client steps through exactly that many, so that the error of a
    // failing statement is thrown here and nothing is left unread on the connection.
    bool has_rows = statement->execute(text);
    for (std::size_t i = 0;; ++i) {
        if (has_rows) {
            std::unique_ptr<sql::ResultSet> rows(statement->getResultSet());
            if (readers_[i]) readers_[i](*rows);
        }
        if (i + 1 == statements_.size()) break;
        has_rows = statement->getMoreResults();
    }
}

}  // namespace moonkey::mysql
