#include "moonkey/store/mysql/login_batch.hpp"

#include "moonkey/store/mysql/limit_counters.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <set>

namespace moonkey::mysql {
namespace {

using result_set = std::unique_ptr<sql::ResultSet>;

struct method_table {
    std::string table;
    std::string column;
};

method_table table_of(channel via) {
    return via == channel::sms ? method_table{"phone_numbers", "phone_number"} : method_table{"emails", "email"};
}

struct method_row {
    std::string method_id;
    std::string user_id;
    bool active;
};

// The requests that look up destinations in the same table for the same tenant.
struct lookup_group {
    channel via;
    std::string app_id;
    environment env;
    auto operator<=>(lookup_group const&) const = default;
};

lookup_group group_of(login_request const& r) { return {r.via, r.owner.app_id, r.owner.env}; }

using methods_by_destination = std::map<std::string, method_row>;

methods_by_destination find_methods(connection& conn, lookup_group const& group, std::set<std::string> const& destinations) {
    auto [table, column] = table_of(group.via);
    auto& find = conn.prepare("SELECT m." + column + ", m.id, m.user_id, u.status FROM " + table +
                              " m JOIN users u ON u.id = m.user_id WHERE m.app_id = ? AND m.environment = ? AND m." +
                              column + " IN (" + placeholders(destinations.size()) + ")");
    find.setString(1, group.app_id);
    find.setString(2, std::string(to_string(group.env)));
    int i = 2;
    for (auto const& destination : destinations) find.setString(++i, destination);
    result_set rows(find.executeQuery());
    methods_by_destination found;
    while (rows->next())
        found[std::string(rows->getString(1))] = {rows->getString(2), rows->getString(3), rows->getString(4) == "active"};
    return found;
}

// A code to store for a method: the request's code, under the method it resolved to.
struct code_row {
    login_request const* request;
    method_row method;
};

// What the batch writes once every request is judged.
struct batch_writes {
    std::vector<login_request const*> new_users;
    std::vector<login_request const*> new_phone_numbers, new_emails;
    std::vector<code_row> codes;
    std::vector<login_request const*> messages;
};

void insert_users(connection& conn, std::vector<login_request const*> const& rows) {
    if (rows.empty()) return;
    auto& insert = conn.prepare("INSERT INTO users (id, app_id, environment, status, created_at, updated_at) VALUES " +
                                placeholders(rows.size(), "(?, ?, ?, ?, ?, ?)"));
    int p = 0;
    for (auto const* r : rows) {
        insert.setString(++p, r->new_user_id);
        insert.setString(++p, r->owner.app_id);
        insert.setString(++p, std::string(to_string(r->owner.env)));
        insert.setString(++p, r->requires_verification ? "pending" : "active");
        insert.setInt64(++p, r->now);
        insert.setInt64(++p, r->now);
    }
    insert.executeUpdate();
}

void insert_methods(connection& conn, channel via, std::vector<login_request const*> const& rows) {
    if (rows.empty()) return;
    auto [table, column] = table_of(via);
    auto& insert = conn.prepare("INSERT INTO " + table + " (id, user_id, app_id, environment, " + column +
                                ", created_at, updated_at) VALUES " + placeholders(rows.size(), "(?, ?, ?, ?, ?, ?, ?)"));
    int p = 0;
    for (auto const* r : rows) {
        insert.setString(++p, r->new_method_id);
        insert.setString(++p, r->new_user_id);
        insert.setString(++p, r->owner.app_id);
        insert.setString(++p, std::string(to_string(r->owner.env)));
        insert.setString(++p, r->destination);
        insert.setInt64(++p, r->now);
        insert.setInt64(++p, r->now);
    }
    insert.executeUpdate();
}

// A method's new code replaces its old one (and its attempts and use). Rows go in method order, so
// that two batches lock the same codes in the same order; a later code of the same method in the
// batch comes later and wins, as it would have run later.
void replace_codes(connection& conn, std::vector<code_row> rows) {
    if (rows.empty()) return;
    std::stable_sort(rows.begin(), rows.end(),
                     [](code_row const& a, code_row const& b) { return a.method.method_id < b.method.method_id; });
    auto& upsert = conn.prepare(
        "INSERT INTO otps (method_id, method_type, user_id, app_id, environment, code_digest, expires_at,"
        " failed_attempts, used_at, fingerprint_ip, fingerprint_user_agent, created_at) VALUES " +
        placeholders(rows.size(), "(?, ?, ?, ?, ?, UNHEX(?), ?, 0, NULL, ?, ?, ?)") +
        " ON DUPLICATE KEY UPDATE code_digest = VALUES(code_digest), expires_at = VALUES(expires_at),"
        " failed_attempts = 0, used_at = NULL, fingerprint_ip = VALUES(fingerprint_ip),"
        " fingerprint_user_agent = VALUES(fingerprint_user_agent), created_at = VALUES(created_at)");
    int p = 0;
    for (auto const& [r, m] : rows) {
        upsert.setString(++p, m.method_id);
        upsert.setString(++p, std::string(method_type_of(r->via)));
        upsert.setString(++p, m.user_id);
        upsert.setString(++p, r->owner.app_id);
        upsert.setString(++p, std::string(to_string(r->owner.env)));
        upsert.setString(++p, hex(r->code_digest(m.method_id)));
        upsert.setInt64(++p, r->expires_at);
        upsert.setString(++p, r->fingerprint.ip);
        upsert.setString(++p, r->fingerprint.user_agent);
        upsert.setInt64(++p, r->now);
    }
    upsert.executeUpdate();
}

void queue_messages(connection& conn, std::vector<login_request const*> const& rows) {
    if (rows.empty()) return;
    auto& insert = conn.prepare(
        "INSERT INTO outbox (id, app_id, environment, channel, destination, sealed_code, locale, expires_at,"
        " lease_until, created_at) VALUES " + placeholders(rows.size(), "(?, ?, ?, ?, ?, UNHEX(?), ?, ?, ?, ?)"));
    int p = 0;
    for (auto const* r : rows) {
        insert.setString(++p, r->message_id);
        insert.setString(++p, r->owner.app_id);
        insert.setString(++p, std::string(to_string(r->owner.env)));
        insert.setString(++p, std::string(to_string(r->via)));
        insert.setString(++p, r->destination);
        insert.setString(++p, hex(r->sealed_code));
        insert.setString(++p, r->locale);
        insert.setInt64(++p, r->expires_at);
        insert.setInt64(++p, r->lease_until);
        insert.setInt64(++p, r->now);
    }
    insert.executeUpdate();
}

error not_found(channel via) {
    if (via == channel::sms) return fail(errc::phone_number_not_found, "no user has this phone number; use login_or_create");
    return fail(errc::email_not_found, "no user has this email; use login_or_create");
}

// Judges every request in order against the locked counters and the methods found, and writes what
// the accepted ones need. Runs inside the batch's transaction.
std::vector<outcome<login_result>> write_logins(connection& conn, std::vector<login_request*> const& requests) {
    std::vector<limit_plan const*> plans;
    std::map<lookup_group, std::set<std::string>> wanted;
    for (auto const* r : requests) {
        if (!r->limits.empty()) plans.push_back(&r->limits);
        wanted[group_of(*r)].insert(r->destination);
    }
    limit_ledger ledger(conn, plans);
    std::map<lookup_group, methods_by_destination> known;
    for (auto const& [group, destinations] : wanted) known[group] = find_methods(conn, group, destinations);

    std::vector<outcome<login_result>> outcomes;
    batch_writes writes;
    for (auto const* r : requests) {
        std::optional<limit_ledger::pass> counted;
        if (!r->limits.empty()) {
            auto passed = ledger.check(r->limits, r->now);
            if (!passed) {
                outcomes.emplace_back(passed.error());
                continue;
            }
            counted = std::move(*passed);
        }
        auto& methods = known[group_of(*r)];
        auto found = methods.find(r->destination);
        if (found == methods.end() && !r->create_if_missing) {
            outcomes.emplace_back(not_found(r->via));
            continue;
        }
        if (counted) ledger.count(std::move(*counted));
        login_result result;
        if (found == methods.end()) {
            found = methods.emplace(r->destination, method_row{r->new_method_id, r->new_user_id, !r->requires_verification}).first;
            writes.new_users.push_back(r);
            (r->via == channel::sms ? writes.new_phone_numbers : writes.new_emails).push_back(r);
            result.user_created = true;
        }
        writes.codes.push_back({r, found->second});
        if (r->queue_message) writes.messages.push_back(r);
        result.user_id = found->second.user_id;
        result.method_id = found->second.method_id;
        result.active = found->second.active;
        outcomes.emplace_back(std::move(result));
    }

    ledger.store(conn);
    insert_users(conn, writes.new_users);
    insert_methods(conn, channel::sms, writes.new_phone_numbers);
    insert_methods(conn, channel::email, writes.new_emails);
    replace_codes(conn, std::move(writes.codes));
    queue_messages(conn, writes.messages);
    return outcomes;
}

}  // namespace

std::vector<outcome<login_result>> run_login_batch(connection& conn, std::vector<login_request*> const& requests) {
    // Always committed: the requests that failed wrote nothing, the others keep their writes.
    auto all = in_transaction(conn, [&]() -> outcome<std::vector<outcome<login_result>>> {
        return write_logins(conn, requests);
    });
    return std::move(*all);
}

}  // namespace moonkey::mysql
