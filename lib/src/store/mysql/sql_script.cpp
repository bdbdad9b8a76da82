#include "moonkey/store/mysql/sql_script.hpp"

#include "moonkey/store/mysql/row_codec.hpp"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <stdexcept>

namespace moonkey::mysql {

std::string text_literal(std::string_view text) { return "_utf8mb4 X'" + hex(text) + "'"; }

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
