#include "moonkey/store/mysql/limit_counters.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/domain/sliding_window.hpp"
#include "moonkey/store/mysql/row_codec.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>

namespace moonkey::mysql {
namespace {

using result_set = std::unique_ptr<sql::ResultSet>;

constexpr int cap_shards = 16;

// Returns the stored events of each existing subject (by hex key), locked until the transaction ends.
std::map<std::string, event_log> lock_counters(connection& conn, std::vector<limit_check> const& checks) {
    auto& find = conn.prepare("SELECT LOWER(HEX(limit_key)), HEX(events) FROM rate_limits WHERE limit_key IN (" +
                              placeholders(checks.size(), "UNHEX(?)") + ") FOR UPDATE");
    for (std::size_t i = 0; i < checks.size(); ++i) find.setString(static_cast<int>(i + 1), hex(checks[i].key));
    result_set rows(find.executeQuery());
    std::map<std::string, event_log> stored;
    while (rows->next()) stored[std::string(rows->getString(1))] = unpack_events(unhex(std::string(rows->getString(2))));
    return stored;
}

struct counted {
    std::string key_hex;
    std::string events_hex;
    std::int64_t forget_at;
};

// Writes the counters' new times. Counters that did not exist are inserted plainly, so that a
// concurrent first insert of the same key fails with a duplicate key and the transaction is retried
// (and then sees the other request's count).
void store_counters(connection& conn, std::vector<counted> const& fresh, std::vector<counted> const& existing) {
    auto write = [&](std::vector<counted> const& rows, std::string const& tail) {
        if (rows.empty()) return;
        auto& statement = conn.prepare("INSERT INTO rate_limits (limit_key, events, forget_at) VALUES " +
                                       placeholders(rows.size(), "(UNHEX(?), UNHEX(?), ?)") + tail);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            statement.setString(static_cast<int>(3 * i + 1), rows[i].key_hex);
            statement.setString(static_cast<int>(3 * i + 2), rows[i].events_hex);
            statement.setInt64(static_cast<int>(3 * i + 3), rows[i].forget_at);
        }
        statement.executeUpdate();
    };
    write(fresh, "");
    write(existing, " ON DUPLICATE KEY UPDATE events = VALUES(events), forget_at = VALUES(forget_at)");
}

std::int64_t count_today(connection& conn, daily_cap const& cap) {
    auto& sum = conn.prepare("SELECT COALESCE(SUM(count), 0) FROM daily_counters WHERE counter_key = UNHEX(?)");
    sum.setString(1, hex(cap.key));
    result_set row(sum.executeQuery());
    return row->next() ? row->getInt64(1) : 0;
}

void count_one_more(connection& conn, daily_cap const& cap) {
    auto& add = conn.prepare(
        "INSERT INTO daily_counters (counter_key, shard, count, expires_at) VALUES (UNHEX(?), ?, 1, ?)"
        " ON DUPLICATE KEY UPDATE count = count + 1");
    add.setString(1, hex(cap.key));
    add.setInt(2, static_cast<int>(crypto::random_below(cap_shards)));
    add.setInt64(3, cap.resets_at);
    add.executeUpdate();
}

}  // namespace

outcome<void> enforce_limits(connection& conn, limit_plan const& plan, std::int64_t now) {
    std::vector<counted> fresh, existing;
    std::optional<error> refusal;
    if (!plan.checks.empty()) {
        auto stored = lock_counters(conn, plan.checks);
        for (auto const& check : plan.checks) {
            auto key_hex = hex(check.key);
            auto found = stored.find(key_hex);
            auto verdict = admit(check.rules, found == stored.end() ? event_log{} : found->second, now);
            if (!verdict.allowed) {
                auto refused = limit_refusal(check, verdict.broken, verdict.retry_after);
                if (!refusal || refused.retry_after > refusal->retry_after) refusal = std::move(refused);
                continue;
            }
            counted row{key_hex, hex(pack_events(verdict.log)), forget_at(check.rules, verdict.log)};
            (found == stored.end() ? fresh : existing).push_back(std::move(row));
        }
    }
    if (refusal) return *refusal;
    if (plan.sms_cap && count_today(conn, *plan.sms_cap) >= plan.sms_cap->limit) return cap_refusal(*plan.sms_cap, now);
    store_counters(conn, fresh, existing);
    if (plan.sms_cap) count_one_more(conn, *plan.sms_cap);
    return {};
}

std::size_t purge_limit_counters(connection& conn, std::int64_t now, unsigned limit) {
    auto& stale = conn.prepare("DELETE FROM rate_limits WHERE forget_at < ? LIMIT ?");
    stale.setInt64(1, now);
    stale.setInt(2, static_cast<int>(limit));
    auto purged = static_cast<std::size_t>(stale.executeUpdate());
    auto& old_days = conn.prepare("DELETE FROM daily_counters WHERE expires_at < ? LIMIT ?");
    old_days.setInt64(1, now);
    old_days.setInt(2, static_cast<int>(limit));
    return purged + static_cast<std::size_t>(old_days.executeUpdate());
}

}  // namespace moonkey::mysql
