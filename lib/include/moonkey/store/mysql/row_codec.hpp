#pragma once
// Small conversions shared by the MySQL store: hex for binary columns, session rows and factors.

#include "moonkey/store/session_records.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace sql {
class ResultSet;
}

namespace moonkey::mysql {

// Returns lower-case hex of raw bytes, for UNHEX(?) parameters.
std::string hex(std::string_view bytes);
std::string hex(crypto::digest const& d);

// Returns the raw bytes of a hex string (HEX() results); empty on malformed input.
std::string unhex(std::string_view text);

// Returns `n` copies of the placeholder `one` joined by commas, for IN lists and multi-row VALUES:
// placeholders(3) is "?,?,?", placeholders(2, "(UNHEX(?), ?)") is "(UNHEX(?), ?),(UNHEX(?), ?)".
std::string placeholders(std::size_t n, std::string_view one = "?");

// The session columns every session query selects, in this order.
inline constexpr char const* session_columns =
    "s.id, s.user_id, s.started_at, s.expires_at, s.last_active_at, s.factors, s.fingerprint_ip,"
    " s.fingerprint_user_agent, s.created_at, s.updated_at";

// Returns the session of the current row, read from session_columns starting at column 1.
session_record read_session(sql::ResultSet& row);

// Returns the factors as stored JSON text, and back.
std::string factors_to_json(std::vector<session_factor> const& factors);
std::vector<session_factor> factors_from_json(std::string_view text);

}  // namespace moonkey::mysql
