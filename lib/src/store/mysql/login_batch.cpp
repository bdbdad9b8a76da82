#include "moonkey/store/mysql/login_batch.hpp"

#include "moonkey/store/mysql/limit_counters.hpp"
#include "moonkey/store/mysql/method_tables.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/sql_script.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <set>

namespace moonkey::mysql {
namespace {

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

std::string env_literal(environment env) { return text_literal(to_string(env)); }

using methods_by_destination = std::map<std::string, method_row>;

// Adds the lookup of a group's destinations to `script`; its rows fill `found`.
void find_methods(sql_script& script, lookup_group const& group, std::set<std::string> const& destinations,
                  methods_by_destination& found) {
    auto const& t = method_table_of(group.via);
    std::vector<std::string> wanted;
    for (auto const& destination : destinations) wanted.push_back(text_literal(destination));
    script.add(std::string("SELECT m.") + t.column + ", m.id, m.user_id, u.status FROM " + t.table +
                   " m JOIN users u ON u.id = m.user_id WHERE m.app_id = " + text_literal(group.app_id) +
                   " AND m.environment = " + env_literal(group.env) + " AND m." + t.column + " IN (" +
                   literal_list(wanted) + ")",
               [&found](sql::ResultSet& rows) {
                   while (rows.next()) {
                       found[std::string(rows.getString(1))] = {
                           rows.getString(2), rows.getString(3),
                           status_of(std::string(rows.getString(4))) == user_status::active};
                   }
               });
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

void insert_users(sql_script& script, std::vector<login_request const*> const& rows) {
    if (rows.empty()) return;
    std::vector<std::string> values;
    for (auto const* r : rows) {
        auto status = r->requires_verification ? user_status::pending : user_status::active;
        values.push_back(literal_row({text_literal(r->new_user_id), text_literal(r->owner.app_id), env_literal(r->owner.env),
                                 text_literal(status_text(status)), number_literal(r->now), number_literal(r->now)}));
    }
    script.add("INSERT INTO users (id, app_id, environment, status, created_at, updated_at) VALUES " +
               literal_list(values));
}

void insert_methods(sql_script& script, channel via, std::vector<login_request const*> const& rows) {
    if (rows.empty()) return;
    auto const& t = method_table_of(via);
    std::vector<std::string> values;
    for (auto const* r : rows) {
        values.push_back(literal_row({text_literal(r->new_method_id), text_literal(r->new_user_id),
                                 text_literal(r->owner.app_id), env_literal(r->owner.env), text_literal(r->destination),
                                 number_literal(r->now), number_literal(r->now)}));
    }
    script.add(std::string("INSERT INTO ") + t.table + " (id, user_id, app_id, environment, " + t.column +
               ", created_at, updated_at) VALUES " + literal_list(values));
}

// A method's new code replaces its old one (and its attempts and use). Rows go in method order, so
// that two batches lock the same codes in the same order; a later code of the same method in the
// batch comes later and wins, as it would have run later.
void replace_codes(sql_script& script, std::vector<code_row> rows) {
    if (rows.empty()) return;
    std::stable_sort(rows.begin(), rows.end(),
                     [](code_row const& a, code_row const& b) { return a.method.method_id < b.method.method_id; });
    std::vector<std::string> values;
    for (auto const& [r, m] : rows) {
        values.push_back(literal_row({text_literal(m.method_id), text_literal(method_type_of(r->via)),
                                 text_literal(m.user_id), text_literal(r->owner.app_id), env_literal(r->owner.env),
                                 hex_literal(hex(r->code_digest(m.method_id))),
                                 number_literal(r->expires_at), "0", "NULL", text_literal(r->fingerprint.ip),
                                 text_literal(r->fingerprint.user_agent), number_literal(r->now)}));
    }
    script.add(
        "INSERT INTO otps (method_id, method_type, user_id, app_id, environment, code_digest, expires_at,"
        " failed_attempts, used_at, fingerprint_ip, fingerprint_user_agent, created_at) VALUES " +
        literal_list(values) +
        " ON DUPLICATE KEY UPDATE code_digest = VALUES(code_digest), expires_at = VALUES(expires_at),"
        " failed_attempts = 0, used_at = NULL, fingerprint_ip = VALUES(fingerprint_ip),"
        " fingerprint_user_agent = VALUES(fingerprint_user_agent), created_at = VALUES(created_at)");
}

void queue_messages(sql_script& script, std::vector<login_request const*> const& rows) {
    if (rows.empty()) return;
    std::vector<std::string> values;
    for (auto const* r : rows) {
        values.push_back(literal_row({text_literal(r->message_id), text_literal(r->owner.app_id), env_literal(r->owner.env),
                                 text_literal(to_string(r->via)), text_literal(r->destination),
                                 bytes_literal(r->sealed_code), text_literal(r->locale), number_literal(r->expires_at),
                                 number_literal(r->lease_until), number_literal(r->now)}));
    }
    script.add(
        "INSERT INTO outbox (id, app_id, environment, channel, destination, sealed_code, locale, expires_at,"
        " lease_until, created_at) VALUES " + literal_list(values));
}

error not_found(channel via) {
    if (via == channel::sms) return fail(errc::phone_number_not_found, "no user has this phone number; use login_or_create");
    return fail(errc::email_not_found, "no user has this email; use login_or_create");
}

// Opens the batch's transaction, locks its counters and finds its methods (one round trip), judges
// every request in order, and writes and commits what the accepted ones need (one round trip).
std::vector<outcome<login_result>> write_logins(connection& conn, std::vector<login_request*> const& requests) {
    std::vector<limit_plan const*> plans;
    std::map<lookup_group, std::set<std::string>> wanted;
    for (auto const* r : requests) {
        if (!r->limits.empty()) plans.push_back(&r->limits);
        wanted[group_of(*r)].insert(r->destination);
    }
    limit_ledger ledger(plans);
    std::map<lookup_group, methods_by_destination> known;
    sql_script reads;
    reads.add("START TRANSACTION");
    ledger.read(reads);
    for (auto const& [group, destinations] : wanted) find_methods(reads, group, destinations, known[group]);
    reads.run(conn);

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
        auto& methods = known.at(group_of(*r));
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

    sql_script changes;
    ledger.write(changes);
    insert_users(changes, writes.new_users);
    insert_methods(changes, channel::sms, writes.new_phone_numbers);
    insert_methods(changes, channel::email, writes.new_emails);
    replace_codes(changes, std::move(writes.codes));
    queue_messages(changes, writes.messages);
    changes.add("COMMIT");
    changes.run(conn);
    return outcomes;
}

}  // namespace

std::vector<outcome<login_result>> run_login_batch(connection& conn, std::vector<login_request*> const& requests) {
    // Always committed: the requests that failed wrote nothing, the others keep their writes.
    return in_scripted_transaction(conn, [&] { return write_logins(conn, requests); });
}

}  // namespace moonkey::mysql
