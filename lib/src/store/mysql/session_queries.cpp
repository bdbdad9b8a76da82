// mysql_repository: sessions/verify, sessions/list and sessions/delete.

#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/session_rows.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace moonkey::mysql {

async_outcome<session_record> mysql_repository::touch_session(tenant owner, session_selector selector,
                                                              std::int64_t now, std::optional<std::int64_t> expires_at) {
    return pool_.run<session_record>([=](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<session_record> {
            auto s = lock_session(conn, owner, selector, now);
            if (!s) return fail(errc::session_not_found, "the session does not exist or has expired");
            if (expires_at) s->expires_at = *expires_at;
            s->last_active_at = s->updated_at = now;
            save_session(conn, *s);
            return std::move(*s);
        });
    });
}

async_outcome<std::vector<session_record>> mysql_repository::list_sessions(tenant owner, std::string user_id,
                                                                           std::int64_t now) {
    return pool_.run<std::vector<session_record>>([=](connection& conn) -> outcome<std::vector<session_record>> {
        auto env = std::string(to_string(owner.env));
        auto& user = conn.prepare("SELECT 1 FROM users WHERE id = ? AND app_id = ? AND environment = ?");
        user.setString(1, user_id);
        user.setString(2, owner.app_id);
        user.setString(3, env);
        if (!std::unique_ptr<sql::ResultSet>(user.executeQuery())->next())
            return fail(errc::user_not_found, "no user with this user_id");
        auto& find = conn.prepare(std::string("SELECT ") + session_columns +
                                  " FROM sessions s WHERE s.user_id = ? AND s.app_id = ? AND s.environment = ?"
                                  " AND s.expires_at > ? ORDER BY s.id");
        find.setString(1, user_id);
        find.setString(2, owner.app_id);
        find.setString(3, env);
        find.setInt64(4, now);
        std::unique_ptr<sql::ResultSet> rows(find.executeQuery());
        std::vector<session_record> sessions;
        while (rows->next()) sessions.push_back(read_session(*rows));
        return sessions;
    });
}

async_outcome<void> mysql_repository::delete_session(tenant owner, session_selector selector) {
    return pool_.run<void>([=](connection& conn) -> outcome<void> {
        bool by_token = selector.token_digest.has_value();
        auto& remove = conn.prepare(std::string("DELETE FROM sessions WHERE ") +
                                    (by_token ? "token_digest = UNHEX(?)" : "id = ?") +
                                    " AND app_id = ? AND environment = ?");
        remove.setString(1, by_token ? hex(*selector.token_digest) : selector.session_id.value_or(""));
        remove.setString(2, owner.app_id);
        remove.setString(3, std::string(to_string(owner.env)));
        if (remove.executeUpdate() == 0) return fail(errc::session_not_found, "no such session");
        return {};
    });
}

}  // namespace moonkey::mysql
