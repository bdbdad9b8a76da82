#include "moonkey/store/mysql/session_rows.hpp"

#include "moonkey/store/mysql/row_codec.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace moonkey::mysql {

std::optional<session_record> lock_session(connection& conn, tenant const& owner, session_selector const& selector,
                                           std::int64_t now) {
    bool by_token = selector.token_digest.has_value();
    auto& find = conn.prepare(std::string("SELECT ") + session_columns + " FROM sessions s WHERE " +
                              (by_token ? "s.token_digest = UNHEX(?)" : "s.id = ?") +
                              " AND s.app_id = ? AND s.environment = ? AND s.expires_at > ? FOR UPDATE");
    find.setString(1, by_token ? hex(*selector.token_digest) : selector.session_id.value_or(""));
    find.setString(2, owner.app_id);
    find.setString(3, std::string(to_string(owner.env)));
    find.setInt64(4, now);
    std::unique_ptr<sql::ResultSet> row(find.executeQuery());
    if (!row->next()) return std::nullopt;
    return read_session(*row);
}

void insert_session(connection& conn, tenant const& owner, session_record const& s, crypto::digest const& token_digest) {
    auto& insert = conn.prepare(
        "INSERT INTO sessions (id, app_id, environment, user_id, token_digest, started_at, expires_at, last_active_at,"
        " factors, fingerprint_ip, fingerprint_user_agent, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, UNHEX(?), ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setString(1, s.id);
    insert.setString(2, owner.app_id);
    insert.setString(3, std::string(to_string(owner.env)));
    insert.setString(4, s.user_id);
    insert.setString(5, hex(token_digest));
    insert.setInt64(6, s.started_at);
    insert.setInt64(7, s.expires_at);
    insert.setInt64(8, s.last_active_at);
    insert.setString(9, factors_to_json(s.factors));
    insert.setString(10, s.fingerprint.ip);
    insert.setString(11, s.fingerprint.user_agent);
    insert.setInt64(12, s.created_at);
    insert.setInt64(13, s.updated_at);
    insert.executeUpdate();
}

void save_session(connection& conn, session_record const& s) {
    auto& update = conn.prepare(
        "UPDATE sessions SET expires_at = ?, last_active_at = ?, factors = ?, updated_at = ? WHERE id = ?");
    update.setInt64(1, s.expires_at);
    update.setInt64(2, s.last_active_at);
    update.setString(3, factors_to_json(s.factors));
    update.setInt64(4, s.updated_at);
    update.setString(5, s.id);
    update.executeUpdate();
}

}  // namespace moonkey::mysql
