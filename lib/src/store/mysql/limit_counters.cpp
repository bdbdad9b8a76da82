#include "moonkey/store/mysql/limit_counters.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/store/mysql/row_codec.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace moonkey::mysql {
namespace {

constexpr int cap_shards = 16;

std::string hex_list(std::set<std::string> const& keys_hex) {
    std::vector<std::string> literals;
    for (auto const& key : keys_hex) literals.push_back(hex_literal(key));
    return literal_list(literals);
}

}  // namespace

limit_ledger::limit_ledger(std::vector<limit_plan const*> const& plans) {
    for (auto const* plan : plans) {
        for (auto const& check : plan->checks) keys_.insert(hex(check.key));
        if (plan->sms_cap) days_[hex(plan->sms_cap->key)];
    }
}

void limit_ledger::read(sql_script& script) {
    if (!keys_.empty()) {
        script.add("SELECT LOWER(HEX(limit_key)), HEX(events) FROM rate_limits WHERE limit_key IN (" + hex_list(keys_) +
                       ") FOR UPDATE",
                   [this](sql::ResultSet& rows) {
                       while (rows.next()) {
                           std::string key(rows.getString(1));
                           logs_[key] = unpack_events(unhex(std::string(rows.getString(2))));
                           stored_.insert(std::move(key));
                       }
                   });
    }
    if (!days_.empty()) {
        std::set<std::string> caps;
        for (auto const& [key_hex, day] : days_) caps.insert(key_hex);
        script.add("SELECT LOWER(HEX(counter_key)), SUM(count) FROM daily_counters WHERE counter_key IN (" +
                       hex_list(caps) + ") GROUP BY counter_key",
                   [this](sql::ResultSet& rows) {
                       while (rows.next()) days_[std::string(rows.getString(1))].stored = rows.getInt64(2);
                   });
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
void limit_ledger::write(sql_script& script) const {
    std::vector<std::string> fresh, existing;
    for (auto const& [key_hex, forget] : changed_) {
        auto row = literal_row(
            {hex_literal(key_hex), bytes_literal(pack_events(logs_.at(key_hex))), number_literal(forget)});
        (stored_.contains(key_hex) ? existing : fresh).push_back(std::move(row));
    }
    constexpr char const* insert = "INSERT INTO rate_limits (limit_key, events, forget_at) VALUES ";
    if (!fresh.empty()) script.add(insert + literal_list(fresh));
    if (!existing.empty())
        script.add(insert + literal_list(existing) +
                   " ON DUPLICATE KEY UPDATE events = VALUES(events), forget_at = VALUES(forget_at)");

    std::vector<std::string> added;
    for (auto const& [key_hex, day] : days_) {
        if (day.added == 0) continue;
        added.push_back(literal_row({hex_literal(key_hex), number_literal(crypto::random_below(cap_shards)),
                                     number_literal(day.added), number_literal(day.resets_at)}));
    }
    if (added.empty()) return;
    script.add("INSERT INTO daily_counters (counter_key, shard, count, expires_at) VALUES " + literal_list(added) +
               " ON DUPLICATE KEY UPDATE count = count + VALUES(count)");
}

outcome<void> enforce_limits(connection& conn, limit_plan const& plan, std::int64_t now) {
    if (plan.empty()) return {};
    limit_ledger ledger({&plan});
    sql_script reads;
    ledger.read(reads);
    reads.run(conn);
    auto passed = ledger.check(plan, now);
    if (!passed) return passed.error();
    ledger.count(std::move(*passed));
    sql_script writes;
    ledger.write(writes);
    writes.run(conn);
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
