#include "moonkey/store/mysql/mysql_idempotency_repository.hpp"

#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>

namespace moonkey::mysql {
namespace {

using result_set = std::unique_ptr<sql::ResultSet>;

constexpr char const* key_match = " WHERE app_id = ? AND environment = ? AND key_digest = UNHEX(?)";

// A stored row with the times that decide whether it still counts.
struct stored_row {
    idempotency_record record;
    std::int64_t created_at = 0;
    std::int64_t locked_until = 0;
};

char const* state_text(idempotency_state s) {
    switch (s) {
        case idempotency_state::running: return "running";
        case idempotency_state::done: return "done";
        case idempotency_state::withheld: return "withheld";
    }
    return "running";
}

idempotency_state state_of(std::string const& text) {
    if (text == "done") return idempotency_state::done;
    if (text == "withheld") return idempotency_state::withheld;
    return idempotency_state::running;
}

crypto::digest digest_of_hex(std::string_view text) {
    crypto::digest d{};
    auto bytes = unhex(text);
    std::copy_n(bytes.begin(), std::min(bytes.size(), d.size()), d.begin());
    return d;
}

// Binds the row's key to parameters `first`, `first + 1` and `first + 2`.
void bind_key(sql::PreparedStatement& s, unsigned first, tenant const& owner, crypto::digest const& key) {
    s.setString(first, owner.app_id);
    s.setString(first + 1, std::string(to_string(owner.env)));
    s.setString(first + 2, hex(key));
}

// Inserts the claim as a running row. With `ignore`, returns false when the key exists already;
// without, a concurrent insert of the same key throws duplicate_entry (in_transaction retries it).
bool insert_running(connection& conn, idempotency_claim_request const& r, bool ignore) {
    auto& insert = conn.prepare(std::string(ignore ? "INSERT IGNORE" : "INSERT") +
                                " INTO idempotency_keys (app_id, environment, key_digest, request_digest, state,"
                                " status, response_body, created_at, locked_until)"
                                " VALUES (?, ?, UNHEX(?), UNHEX(?), 'running', 0, NULL, ?, ?)");
    bind_key(insert, 1, r.owner, r.key_digest);
    insert.setString(4, hex(r.request_digest));
    insert.setInt64(5, r.now);
    insert.setInt64(6, r.lease_until);
    return insert.executeUpdate() == 1;
}

std::optional<stored_row> select_row(connection& conn, idempotency_claim_request const& r, bool for_update) {
    auto& select = conn.prepare(std::string("SELECT state, HEX(request_digest), status, response_body, created_at,"
                                            " locked_until FROM idempotency_keys") +
                                key_match + (for_update ? " FOR UPDATE" : ""));
    bind_key(select, 1, r.owner, r.key_digest);
    result_set rows(select.executeQuery());
    if (!rows->next()) return std::nullopt;
    stored_row row;
    row.record.state = state_of(rows->getString(1));
    row.record.request_digest = digest_of_hex(std::string(rows->getString(2)));
    row.record.status = rows->getInt(3);
    if (!rows->isNull(4)) row.record.response_body = rows->getString(4);
    row.created_at = rows->getInt64(5);
    row.locked_until = rows->getInt64(6);
    return row;
}

// Returns true when the row no longer counts: older than the replay window, or the same request
// running past its lease (its instance crashed; another request with the key is refused as before).
bool is_stale(stored_row const& row, idempotency_claim_request const& r) {
    if (row.created_at < r.expired_before) return true;
    return row.record.state == idempotency_state::running && row.locked_until < r.now &&
           row.record.request_digest == r.request_digest;
}

void take_over(connection& conn, idempotency_claim_request const& r) {
    auto& update = conn.prepare(std::string("UPDATE idempotency_keys SET request_digest = UNHEX(?), state = 'running',"
                                            " status = 0, response_body = NULL, created_at = ?, locked_until = ?") +
                                key_match);
    update.setString(1, hex(r.request_digest));
    update.setInt64(2, r.now);
    update.setInt64(3, r.lease_until);
    bind_key(update, 4, r.owner, r.key_digest);
    update.executeUpdate();
}

idempotency_claim acquired() { return idempotency_claim{true, {}}; }

idempotency_claim found(stored_row row) { return idempotency_claim{false, std::move(row.record)}; }

}  // namespace

async_outcome<idempotency_claim> mysql_idempotency_repository::claim(idempotency_claim_request request) {
    return pool_.run<idempotency_claim>([r = std::move(request)](connection& conn) -> outcome<idempotency_claim> {
        // A new key (the usual case) costs one autocommitted statement; a key another request holds
        // costs one more read; only a stale row takes a locking transaction.
        if (insert_running(conn, r, true)) return acquired();
        auto row = select_row(conn, r, false);
        if (row && !is_stale(*row, r)) return found(std::move(*row));
        return in_transaction(conn, [&]() -> outcome<idempotency_claim> {
            auto locked = select_row(conn, r, true);
            if (!locked) {
                insert_running(conn, r, false);
                return acquired();
            }
            if (!is_stale(*locked, r)) return found(std::move(*locked));
            take_over(conn, r);
            return acquired();
        });
    });
}

async_outcome<void> mysql_idempotency_repository::complete(tenant owner, crypto::digest key_digest,
                                                           std::int64_t lease_until, idempotency_state state,
                                                           int status, std::string response_body) {
    return pool_.run<void>([owner = std::move(owner), key_digest, lease_until, state, status,
                            body = std::move(response_body)](connection& conn) -> outcome<void> {
        auto& update = conn.prepare(std::string("UPDATE idempotency_keys SET state = ?, status = ?, response_body = ?,"
                                                " locked_until = 0") +
                                    key_match + " AND state = 'running' AND locked_until = ?");
        update.setString(1, state_text(state));
        update.setInt(2, status);
        update.setString(3, body);
        bind_key(update, 4, owner, key_digest);
        update.setInt64(7, lease_until);
        update.executeUpdate();
        return {};
    });
}

async_outcome<void> mysql_idempotency_repository::release(tenant owner, crypto::digest key_digest,
                                                          std::int64_t lease_until) {
    return pool_.run<void>([owner = std::move(owner), key_digest, lease_until](connection& conn) -> outcome<void> {
        auto& remove = conn.prepare(std::string("DELETE FROM idempotency_keys") + key_match +
                                    " AND state = 'running' AND locked_until = ?");
        bind_key(remove, 1, owner, key_digest);
        remove.setInt64(4, lease_until);
        remove.executeUpdate();
        return {};
    });
}

async_outcome<std::size_t> mysql_idempotency_repository::purge(std::int64_t before, unsigned limit) {
    return pool_.run<std::size_t>([before, limit](connection& conn) -> outcome<std::size_t> {
        auto& remove = conn.prepare("DELETE FROM idempotency_keys WHERE created_at < ? LIMIT ?");
        remove.setInt64(1, before);
        remove.setUInt(2, limit);
        return static_cast<std::size_t>(remove.executeUpdate());
    });
}

}  // namespace moonkey::mysql
