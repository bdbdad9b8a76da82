#pragma once
// Reading and writing session rows inside a caller's transaction.

#include "moonkey/store/mysql/connection.hpp"
#include "moonkey/store/session_records.hpp"

#include <optional>

namespace moonkey::mysql {

// Returns the tenant's unexpired session for `selector`, locked for update; nullopt when none.
std::optional<session_record> lock_session(connection& conn, tenant const& owner, session_selector const& selector,
                                           std::int64_t now);

void insert_session(connection& conn, tenant const& owner, session_record const& s, crypto::digest const& token_digest);

// Writes expires_at, last_active_at, factors and updated_at.
void save_session(connection& conn, session_record const& s);

}  // namespace moonkey::mysql
