#include "moonkey/store/mysql/limit_counters.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/store/mysql/row_codec.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <set>

namespace moonkey::mysql {
namespace {

using result_set = std::unique_ptr<sql::ResultSet>;

constexpr int cap_shards = 16;

// Returns the stored events of each existing subject (by hex key), locked until the transaction ends.
std::map<std::string, event_log> lock_counters(connection& conn, std::set<std::string> const& keys) {
    auto& find = conn.prepare("SELECT LOWER(HEX(limit_key)), HEX(events) FROM rate_limits WHERE limit_key IN (" +
                              placeholders(keys.size(), "UNHEX(?)") + ") FOR UPDATE");
    int i = 0;
    for (auto const& key : keys) find.setString(++i, key);
    result_set rows(find.executeQuery());
    std::map<std::string, event_log> stored;
    while (rows->next()) stored[std::string(rows->getString(1))] = unpack_events(unhex(std::string(rows->getString(2))));
    return stored;
}

// Returns today's count of each daily cap (by hex key), summed over its shards.
std::map<std::string, std::int64_t> count_today(connection& conn, std::set<std::string> const& keys) {
    auto& sum = conn.prepare("SELECT LOWER(HEX(counter_key)), SUM(count) FROM daily_counters WHERE counter_key IN (" +
                             placeholders(keys.size(), "UNHEX(?)") + ") GROUP BY counter_key");
    int i = 0;
    for (auto const& key : keys) sum.setString(++i, key);
    result_set rows(sum.executeQuery());
    std::map<std::string, std::int64_t> counts;
    while (rows->next()) counts[std::string(rows->getString(1))] = rows->getInt64(2);
    return counts;
}

struct counter_row {
    std::string key_hex;
    std::string events_hex;
    std::int64_t forget_at;
};

void write_counters(connection& conn, std::vector<counter_row> const& rows, std::string const& tail) {
    if (rows.empty()) return;
    auto& statement = conn.prepare("INSERT INTO rate_limits (limit_key, events, forget_at) VALUES " +
                                   placeholders(rows.size(), "(UNHEX(?), UNHEX(?), ?)") + tail);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        statement.setString(static_cast<int>(3 * i + 1), rows[i].key_hex);
        statement.setString(static_cast<int>(3 * i + 2), rows[i].events_hex);
        statement.setInt64(static_cast<int>(3 * i + 3), rows[i].forget_at);
    }
    statement.executeUpdate();
}

}  // namespace

limit_ledger::limit_ledger(connection& conn, std::vector<limit_plan const*> const& plans) {
    std::set<std::string> keys, caps;
    for (auto const* plan : plans) {
        for (auto const& check : plan->checks) keys.insert(hex(check.key));
        if (plan->sms_cap) caps.insert(hex(plan->sms_cap->key));
    }
    if (!keys.empty()) {
        logs_ = lock_counters(conn, keys);
        for (auto const& key : keys) stored_[key] = logs_.contains(key);
    }
    if (!caps.empty()) {
        auto counts = count_today(conn, caps);
        for (auto const& key : caps) days_[key].stored = counts.contains(key) ? counts[key] : 0;
    }
}

outcome<limit_ledger::pass> limit_ledger::check(limit_plan const& plan, std::int64_t now) const {
    pass passed;
    std::optional<error> refusal;
    for (auto const& check : plan.checks) {
        auto key_hex = hex(check.key);
        auto found = logs_.find(key_hex);
        auto verdict = admit(check.rules, found == logs_.end() ? event_log{} : found->second, now);
        if (!verdict.allowed) {
            auto refused = limit_refusal(check, verdict.broken, verdict.retry_after);
            if (!refusal || refused.retry_after > refusal->retry_after) refusal = std::move(refused);
            continue;
        }
        auto forget = forget_at(check.rules, verdict.log);
        passed.counters.push_back({std::move(key_hex), std::move(verdict.log), forget});
    }
    if (refusal) return *refusal;
    if (plan.sms_cap) {
        auto const& day = days_.at(hex(plan.sms_cap->key));
        if (day.stored + day.added >= plan.sms_cap->limit) return cap_refusal(*plan.sms_cap, now);
        passed.sms_cap = &*plan.sms_cap;
    }
    return passed;
}

void limit_ledger::count(pass passed) {
    for (auto& counter : passed.counters) {
        changed_[counter.key_hex] = counter.forget_at;
        logs_[counter.key_hex] = std::move(counter.events);
    }
    if (passed.sms_cap) {
        auto& day = days_[hex(passed.sms_cap->key)];
        day.added += 1;
        day.resets_at = passed.sms_cap->resets_at;
    }
}

// Counters that did not exist are inserted plainly, so that a concurrent first insert of the same key
// fails with a duplicate key and the transaction is retried (and then sees the other request's count).
// A daily cap's additions go to one random shard, so that concurrent sends do not queue on one row.
void limit_ledger::store(connection& conn) const {
    std::vector<counter_row> fresh, existing;
    for (auto const& [key_hex, forget] : changed_) {
        counter_row row{key_hex, hex(pack_events(logs_.at(key_hex))), forget};
        (stored_.at(key_hex) ? existing : fresh).push_back(std::move(row));
    }
    write_counters(conn, fresh, "");
    write_counters(conn, existing, " ON DUPLICATE KEY UPDATE events = VALUES(events), forget_at = VALUES(forget_at)");

    std::vector<std::pair<std::string, daily_count>> added;
    for (auto const& [key_hex, day] : days_)
        if (day.added > 0) added.emplace_back(key_hex, day);
    if (added.empty()) return;
    auto& add = conn.prepare("INSERT INTO daily_counters (counter_key, shard, count, expires_at) VALUES " +
                             placeholders(added.size(), "(UNHEX(?), ?, ?, ?)") +
                             " ON DUPLICATE KEY UPDATE count = count + VALUES(count)");
    for (std::size_t i = 0; i < added.size(); ++i) {
        auto const& [key_hex, day] = added[i];
        add.setString(static_cast<int>(4 * i + 1), key_hex);
        add.setInt(static_cast<int>(4 * i + 2), static_cast<int>(crypto::random_below(cap_shards)));
        add.setInt64(static_cast<int>(4 * i + 3), day.added);
        add.setInt64(static_cast<int>(4 * i + 4), day.resets_at);
    }
    add.executeUpdate();
}

outcome<void> enforce_limits(connection& conn, limit_plan const& plan, std::int64_t now) {
    if (plan.empty()) return {};
    limit_ledger ledger(conn, {&plan});
    auto passed = ledger.check(plan, now);
    if (!passed) return passed.error();
    ledger.count(std::move(*passed));
    ledger.store(conn);
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
