// mysql_repository: the outbox — marking batches, leases, claiming what nobody sent, purging what is done.

#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <map>

namespace moonkey::mysql {
namespace {

// Ids in one statement at most. Each connection keeps every statement shape it prepared, with
// buffers for every placeholder, for good: with the shapes unbounded (the next power of two of any
// count, and a mark after a delivery backlog can carry thousands of ids) every pool connection
// grew its own statements of 1,024 to 16,384 placeholders, about half a kilobyte each, the first
// time it met such a mark — the RSS of an overload run rose in steps at each backlog.
constexpr std::size_t max_ids_per_statement = 256;

// Returns the number of placeholders for `n` ids (n <= max_ids_per_statement): the next power of
// four, so that a connection prepares five `IN (…)` shapes (1, 4, 16, 64, 256), 341 placeholders in
// all, rather than one per batch size (MariaDB caps prepared statements too).
std::size_t placeholder_bucket(std::size_t n) {
    std::size_t bucket = 1;
    while (bucket < n) bucket *= 4;
    return bucket;
}

// Runs `sql_prefix (ids…)` with `first` bound before the ids, for the ids [from, from + count)
// (count <= max_ids_per_statement), in one statement. The unused placeholders of the bucket repeat
// the last id (a row listed twice is updated once).
void update_chunk(connection& conn, std::string const& sql_prefix, std::vector<std::string> const& ids,
                  std::size_t from, std::size_t count,
                  std::function<unsigned(sql::PreparedStatement&)> const& bind_first) {
    auto const bucket = placeholder_bucket(count);
    auto& update = conn.prepare(sql_prefix + " WHERE id IN (" + placeholders(bucket) + ")");
    unsigned next = bind_first(update) + 1;
    for (std::size_t i = 0; i < bucket; ++i) update.setString(next++, ids[from + std::min(i, count - 1)]);
    update.executeUpdate();
}

// Calls fn(from, count) for each chunk of at most max_ids_per_statement ids.
template <class Fn>
void for_each_chunk(std::vector<std::string> const& ids, Fn&& fn) {
    for (std::size_t from = 0; from < ids.size(); from += max_ids_per_statement)
        fn(from, std::min(max_ids_per_statement, ids.size() - from));
}

// Runs `sql_prefix (ids…)` as update_chunk does, one statement per chunk (inside the caller's
// transaction, which makes them one unit).
void update_ids(connection& conn, std::string const& sql_prefix, std::vector<std::string> const& ids,
                std::function<unsigned(sql::PreparedStatement&)> bind_first) {
    for_each_chunk(ids, [&](std::size_t from, std::size_t count) {
        update_chunk(conn, sql_prefix, ids, from, count, bind_first);
    });
}

}  // namespace

async_outcome<void> mysql_repository::mark_sent(std::vector<std::string> message_ids, std::int64_t now) {
    return pool_.run<void>([ids = std::move(message_ids), now](connection& conn) {
        // Each chunk is a statement of its own, autocommitted and retried alone, so that a retry
        // never counts an attempt twice on the rows of a chunk that was already written.
        outcome<void> written;
        for_each_chunk(ids, [&](std::size_t from, std::size_t count) {
            if (!written) return;
            written = in_one_statement([&]() -> outcome<void> {
                update_chunk(conn, "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1", ids,
                             from, count, [&](sql::PreparedStatement& s) {
                                 s.setInt64(1, now);
                                 return 1u;
                             });
                return {};
            });
        });
        return written;
    });
}

async_outcome<void> mysql_repository::mark_failed(std::vector<failed_message> messages, std::int64_t now) {
    return pool_.run<void>([messages = std::move(messages)](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            // Reasons differ per message; group the ids by reason so a batch usually takes one statement.
            std::map<std::string, std::vector<std::string>> by_reason;
            for (auto const& m : messages) by_reason[m.reason.substr(0, 255)].push_back(m.id);
            for (auto const& [reason, ids] : by_reason) {
                update_ids(conn, "UPDATE outbox SET state = 'failed', last_error = ?, attempts = attempts + 1", ids,
                           [&](sql::PreparedStatement& s) {
                               s.setString(1, reason);
                               return 1u;
                           });
            }
            return {};
        });
    });
}

async_outcome<void> mysql_repository::mark_expired(std::vector<std::string> message_ids) {
    return pool_.run<void>([ids = std::move(message_ids)](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            update_ids(conn, "UPDATE outbox SET state = 'expired'", ids, [](sql::PreparedStatement&) { return 0u; });
            return {};
        });
    });
}

async_outcome<void> mysql_repository::extend_lease(std::vector<std::string> message_ids, std::int64_t lease_until) {
    return pool_.run<void>([ids = std::move(message_ids), lease_until](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            update_ids(conn, "UPDATE outbox SET lease_until = ?, attempts = attempts + 1", ids,
                       [&](sql::PreparedStatement& s) {
                           s.setInt64(1, lease_until);
                           return 1u;
                       });
            return {};
        });
    });
}

async_outcome<std::size_t> mysql_repository::purge_outbox(std::int64_t done_before, unsigned limit) {
    return pool_.run<std::size_t>([=](connection& conn) {
        return in_one_statement([&]() -> outcome<std::size_t> {
            // Through outbox_due (state, lease_until): the done states' ranges below the cutoff, rows
            // that no sender touches any more (a mark or a claim only meets pending rows).
            auto& remove = conn.prepare(
                "DELETE FROM outbox WHERE state IN ('sent', 'failed', 'expired')"
                " AND lease_until < ? LIMIT ?");
            remove.setInt64(1, done_before);
            remove.setInt(2, static_cast<int>(limit));
            return static_cast<std::size_t>(remove.executeUpdate());
        });
    });
}

async_outcome<std::vector<claimed_message>> mysql_repository::claim_due_messages(std::int64_t now,
                                                                                 std::int64_t lease_until,
                                                                                 unsigned limit) {
    return pool_.run<std::vector<claimed_message>>([=](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<std::vector<claimed_message>> {
            // Only rows locked with SKIP LOCKED are touched: a range UPDATE here would deadlock with the
            // batches other cores are marking sent.
            auto& find = conn.prepare(
                "SELECT id, app_id, environment, channel, destination, HEX(sealed_code), locale, expires_at,"
                " created_at, attempts FROM outbox WHERE state = 'pending' AND lease_until <= ?"
                " ORDER BY lease_until LIMIT ? FOR UPDATE SKIP LOCKED");
            find.setInt64(1, now);
            find.setInt(2, static_cast<int>(limit));
            std::vector<claimed_message> claimed;
            std::vector<std::string> expired;
            {
                std::unique_ptr<sql::ResultSet> rows(find.executeQuery());
                while (rows->next()) {
                    claimed_message m;
                    m.id = rows->getString(1);
                    m.owner.app_id = rows->getString(2);
                    m.owner.env = parse_environment(std::string(rows->getString(3))).value_or(environment::test);
                    m.via = rows->getString(4) == "email" ? channel::email : channel::sms;
                    m.to = rows->getString(5);
                    m.sealed_code = unhex(std::string(rows->getString(6)));
                    m.locale = rows->getString(7);
                    m.expires_at = rows->getInt64(8);
                    m.created_at = rows->getInt64(9);
                    m.attempts = rows->getInt(10);
                    m.lease_until = lease_until;
                    if (m.expires_at <= now) {
                        expired.push_back(m.id);
                    } else {
                        claimed.push_back(std::move(m));
                    }
                }
            }
            update_ids(conn, "UPDATE outbox SET state = 'expired'", expired, [](sql::PreparedStatement&) { return 0u; });
            if (claimed.empty()) return claimed;
            std::vector<std::string> ids;
            for (auto const& m : claimed) ids.push_back(m.id);
            update_ids(conn, "UPDATE outbox SET lease_until = ?", ids, [&](sql::PreparedStatement& s) {
                s.setInt64(1, lease_until);
                return 1u;
            });
            // The apps' names and settings, without locking their rows.
            std::map<std::string, std::pair<std::string, std::string>> apps;
            for (auto const& m : claimed) apps[m.owner.app_id];
            auto& app = conn.prepare("SELECT name, settings FROM apps WHERE id = ?");
            for (auto& [id, info] : apps) {
                app.setString(1, id);
                std::unique_ptr<sql::ResultSet> row(app.executeQuery());
                if (row->next()) info = {row->getString(1), row->getString(2)};
            }
            for (auto& m : claimed) std::tie(m.app_name, m.app_settings_json) = apps[m.owner.app_id];
            return claimed;
        });
    });
}

}  // namespace moonkey::mysql
