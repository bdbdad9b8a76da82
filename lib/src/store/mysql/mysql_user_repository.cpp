#include "moonkey/store/mysql/mysql_user_repository.hpp"

#include "moonkey/store/mysql/method_tables.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>

namespace moonkey::mysql {
namespace {

using result_set = std::unique_ptr<sql::ResultSet>;
using statement_ptr = std::unique_ptr<sql::PreparedStatement>;

std::string env_of(tenant const& owner) {
    return std::string(to_string(owner.env));
}

constexpr char const* user_columns =
    "u.id, u.status, u.first_name, u.middle_name, u.last_name, u.metadata, u.created_at, u.updated_at";

user_record read_user(sql::ResultSet& row) {
    user_record user;
    user.id = row.getString(1);
    user.status = status_of(std::string(row.getString(2)));
    user.first_name = row.getString(3);
    user.middle_name = row.getString(4);
    user.last_name = row.getString(5);
    user.metadata = row.getString(6);
    user.created_at = row.getInt64(7);
    user.updated_at = row.getInt64(8);
    return user;
}

// Returns the user, locked for the rest of the transaction when `for_update`.
std::optional<user_record> select_user(connection& conn, tenant const& owner, std::string const& id,
                                       bool for_update) {
    auto& find = conn.prepare(std::string("SELECT ") + user_columns
                              + " FROM users u WHERE u.id = ? AND u.app_id = ? AND u.environment = ?"
                              + (for_update ? " FOR UPDATE" : ""));
    find.setString(1, id);
    find.setString(2, owner.app_id);
    find.setString(3, env_of(owner));
    result_set rows(find.executeQuery());
    if (!rows->next()) return std::nullopt;
    return read_user(*rows);
}

// Fills the emails and phone numbers of `users` (all of one tenant), oldest first.
void load_methods(connection& conn, std::vector<user_record>& users) {
    if (users.empty()) return;
    std::map<std::string, user_record*, std::less<>> by_id;
    for (auto& u : users) by_id[u.id] = &u;
    for (auto const* t : {&email_table, &phone_table}) {
        std::string text = std::string("SELECT id, user_id, ") + t->column
                           + ", verified, created_at, updated_at FROM " + t->table + " WHERE user_id ";
        // One user (GET, update) uses a cached statement; a page of users a one-off IN list.
        statement_ptr one_off;
        sql::PreparedStatement* select = nullptr;
        if (users.size() == 1) {
            select = &conn.prepare(text + "= ? ORDER BY created_at, id");
        } else {
            text += "IN (";
            for (std::size_t i = 0; i < users.size(); ++i) text += i ? ",?" : "?";
            one_off.reset(conn.raw().prepareStatement(text + ") ORDER BY created_at, id"));
            select = one_off.get();
        }
        for (std::size_t i = 0; i < users.size(); ++i)
            select->setString(static_cast<unsigned>(i + 1), users[i].id);
        result_set rows(select->executeQuery());
        while (rows->next()) {
            auto it = by_id.find(std::string(rows->getString(2)));
            if (it == by_id.end()) continue;
            user_method m{rows->getString(1), rows->getString(3), rows->getBoolean(4), rows->getInt64(5),
                          rows->getInt64(6)};
            (t == &email_table ? it->second->emails : it->second->phone_numbers).push_back(std::move(m));
        }
    }
}

// Returns the id of the user that owns `value` in the tenant, if any.
std::optional<std::string> method_owner(connection& conn, method_table const& t, tenant const& owner,
                                        std::string const& value) {
    auto& find = conn.prepare(std::string("SELECT user_id FROM ") + t.table
                              + " WHERE app_id = ? AND environment = ? AND " + t.column + " = ?");
    find.setString(1, owner.app_id);
    find.setString(2, env_of(owner));
    find.setString(3, value);
    result_set rows(find.executeQuery());
    if (!rows->next()) return std::nullopt;
    return std::string(rows->getString(1));
}

void insert_method(connection& conn, method_table const& t, tenant const& owner, std::string const& user_id,
                   new_method const& m, std::int64_t now) {
    auto& insert =
        conn.prepare(std::string("INSERT INTO ") + t.table + " (id, user_id, app_id, environment, " + t.column
                     + ", verified, created_at, updated_at) VALUES (?, ?, ?, ?, ?, FALSE, ?, ?)");
    insert.setString(1, m.id);
    insert.setString(2, user_id);
    insert.setString(3, owner.app_id);
    insert.setString(4, env_of(owner));
    insert.setString(5, m.value);
    insert.setInt64(6, now);
    insert.setInt64(7, now);
    insert.executeUpdate();
}

error duplicate(method_table const& t, std::string const& value) {
    return fail(t.duplicate, "the " + std::string(t.noun) + " " + value
                                 + " already belongs to another user; delete it from that user first");
}

// Attaches `m` to the user unless it is already the user's; fails when it is another user's.
outcome<void> attach_method(connection& conn, method_table const& t, tenant const& owner,
                            std::string const& user_id, new_method const& m, std::int64_t now) {
    auto holder = method_owner(conn, t, owner, m.value);
    if (holder && *holder == user_id) return {};
    if (holder) return duplicate(t, m.value);
    insert_method(conn, t, owner, user_id, m, now);
    return {};
}

// Runs a transaction that inserts identifiers, mapping a unique-key race that outlived the
// transaction's retries to the 409 of the table it hit.
template <class Fn>
auto with_duplicates_mapped(connection& conn, Fn&& fn) -> decltype(fn()) {
    try {
        return in_transaction(conn, std::forward<Fn>(fn));
    } catch (sql::SQLException const& e) {
        if (e.getErrorCode() != server_error::duplicate_entry) throw;
        std::string what = e.what();
        if (what.find("phone_numbers_unique") != std::string::npos)
            return fail(errc::duplicate_phone_number, "the phone number already belongs to another user");
        if (what.find("emails_unique") != std::string::npos)
            return fail(errc::duplicate_email, "the email already belongs to another user");
        throw;
    }
}

// Escapes the LIKE wildcards of `value` (with '!' as the escape character) and wraps it in '%'.
std::string contains_pattern(std::string const& value) {
    std::string pattern = "%";
    for (char c : value) {
        if (c == '!' || c == '%' || c == '_') pattern += '!';
        pattern += c;
    }
    return pattern + "%";
}

// The WHERE clause of a search, with its parameters in order.
struct search_condition {
    std::string text;
    std::vector<std::string> params;
};

search_condition search_where(user_query const& q) {
    search_condition where{" FROM users u WHERE u.app_id = ? AND u.environment = ?",
                           {q.owner.app_id, env_of(q.owner)}};
    if (q.filters.empty()) return where;
    where.text += " AND (";
    for (std::size_t i = 0; i < q.filters.size(); ++i) {
        auto const& f = q.filters[i];
        if (i) where.text += q.match_all ? " AND " : " OR ";
        std::string compare = f.match == match_kind::eq ? " = ?" : " LIKE ? ESCAPE '!'";
        switch (f.field) {
            case user_field::email:
            case user_field::phone_number: {
                auto const& t = f.field == user_field::email ? email_table : phone_table;
                where.text += std::string("u.id IN (SELECT m.user_id FROM ") + t.table
                              + " m WHERE m.app_id = ? AND m.environment = ? AND m." + t.column + compare
                              + ")";
                where.params.push_back(q.owner.app_id);
                where.params.push_back(env_of(q.owner));
                break;
            }
            case user_field::status:
                where.text += "u.status" + compare;
                break;
            case user_field::user_id:
                where.text += "u.id" + compare;
                break;
        }
        where.params.push_back(f.match == match_kind::eq ? f.value : contains_pattern(f.value));
    }
    where.text += ")";
    return where;
}

void bind_all(sql::PreparedStatement& statement, std::vector<std::string> const& params) {
    for (std::size_t i = 0; i < params.size(); ++i)
        statement.setString(static_cast<unsigned>(i + 1), params[i]);
}

// Deletes one email or phone number of the tenant with its code; returns its user's id.
outcome<std::string> delete_method(connection& conn, method_table const& t, errc not_found,
                                   tenant const& owner, std::string const& id, std::int64_t now) {
    return in_transaction(conn, [&]() -> outcome<std::string> {
        auto& find = conn.prepare(std::string("SELECT user_id FROM ") + t.table
                                  + " WHERE id = ? AND app_id = ? AND environment = ? FOR UPDATE");
        find.setString(1, id);
        find.setString(2, owner.app_id);
        find.setString(3, env_of(owner));
        result_set rows(find.executeQuery());
        if (!rows->next())
            return fail(not_found,
                        "no " + std::string(t.noun) + " with id " + id + " in this app and environment");
        std::string user_id = rows->getString(1);
        auto& code = conn.prepare("DELETE FROM otps WHERE method_id = ?");
        code.setString(1, id);
        code.executeUpdate();
        auto& remove = conn.prepare(std::string("DELETE FROM ") + t.table + " WHERE id = ?");
        remove.setString(1, id);
        remove.executeUpdate();
        auto& touch = conn.prepare("UPDATE users SET updated_at = ? WHERE id = ?");
        touch.setInt64(1, now);
        touch.setString(2, user_id);
        touch.executeUpdate();
        return user_id;
    });
}

error user_not_found(std::string const& id) {
    return fail(errc::user_not_found, "no user with id " + id + " in this app and environment");
}

}  // namespace

async_outcome<user_record> mysql_user_repository::create_user(new_user user) {
    return pool_.run<user_record>([u = std::move(user)](connection& conn) {
        return with_duplicates_mapped(conn, [&]() -> outcome<user_record> {
            if (u.email && method_owner(conn, email_table, u.owner, u.email->value))
                return duplicate(email_table, u.email->value);
            if (u.phone_number && method_owner(conn, phone_table, u.owner, u.phone_number->value))
                return duplicate(phone_table, u.phone_number->value);
            auto& insert = conn.prepare(
                "INSERT INTO users (id, app_id, environment, status, first_name, middle_name, last_name, "
                "metadata,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            insert.setString(1, u.id);
            insert.setString(2, u.owner.app_id);
            insert.setString(3, env_of(u.owner));
            insert.setString(4, status_text(u.status));
            insert.setString(5, u.first_name);
            insert.setString(6, u.middle_name);
            insert.setString(7, u.last_name);
            insert.setString(8, u.metadata);
            insert.setInt64(9, u.now);
            insert.setInt64(10, u.now);
            insert.executeUpdate();

            user_record record{
                u.id, u.status, u.first_name, u.middle_name, u.last_name, u.metadata, u.now, u.now, {}, {}};
            if (u.email) {
                insert_method(conn, email_table, u.owner, u.id, *u.email, u.now);
                record.emails.push_back(user_method{u.email->id, u.email->value, false, u.now, u.now});
            }
            if (u.phone_number) {
                insert_method(conn, phone_table, u.owner, u.id, *u.phone_number, u.now);
                record.phone_numbers.push_back(
                    user_method{u.phone_number->id, u.phone_number->value, false, u.now, u.now});
            }
            return record;
        });
    });
}

async_outcome<user_record> mysql_user_repository::find_user(tenant owner, std::string user_id) {
    return pool_.run<user_record>([owner, id = std::move(user_id)](connection& conn) -> outcome<user_record> {
        auto user = select_user(conn, owner, id, false);
        if (!user) return user_not_found(id);
        std::vector<user_record> one{std::move(*user)};
        load_methods(conn, one);
        return std::move(one.front());
    });
}

async_outcome<user_record> mysql_user_repository::update_user(user_changes changes) {
    return pool_.run<user_record>([c = std::move(changes)](connection& conn) {
        return with_duplicates_mapped(conn, [&]() -> outcome<user_record> {
            auto user = select_user(conn, c.owner, c.user_id, true);
            if (!user) return user_not_found(c.user_id);
            for (auto const& m : c.emails) {
                auto attached = attach_method(conn, email_table, c.owner, user->id, m, c.now);
                if (!attached) return attached.error();
            }
            for (auto const& m : c.phone_numbers) {
                auto attached = attach_method(conn, phone_table, c.owner, user->id, m, c.now);
                if (!attached) return attached.error();
            }
            if (c.metadata) {
                auto metadata = c.metadata(user->metadata);
                if (!metadata) return metadata.error();
                if (!metadata->empty()) user->metadata = std::move(*metadata);
            }
            if (c.first_name) user->first_name = *c.first_name;
            if (c.middle_name) user->middle_name = *c.middle_name;
            if (c.last_name) user->last_name = *c.last_name;
            user->updated_at = c.now;
            auto& update = conn.prepare(
                "UPDATE users SET first_name = ?, middle_name = ?, last_name = ?, metadata = ?, updated_at = "
                "?"
                " WHERE id = ?");
            update.setString(1, user->first_name);
            update.setString(2, user->middle_name);
            update.setString(3, user->last_name);
            update.setString(4, user->metadata);
            update.setInt64(5, user->updated_at);
            update.setString(6, user->id);
            update.executeUpdate();
            std::vector<user_record> one{std::move(*user)};
            load_methods(conn, one);
            return std::move(one.front());
        });
    });
}

async_outcome<void> mysql_user_repository::delete_user(tenant owner, std::string user_id) {
    return pool_.run<void>([owner, id = std::move(user_id)](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            // Emails, phone numbers, codes and sessions go with the user (ON DELETE CASCADE).
            auto& remove = conn.prepare("DELETE FROM users WHERE id = ? AND app_id = ? AND environment = ?");
            remove.setString(1, id);
            remove.setString(2, owner.app_id);
            remove.setString(3, env_of(owner));
            if (remove.executeUpdate() == 0) return user_not_found(id);
            return {};
        });
    });
}

async_outcome<user_page> mysql_user_repository::search_users(user_query query) {
    return pool_.run<user_page>([q = std::move(query)](connection& conn) -> outcome<user_page> {
        auto where = search_where(q);
        // The filter shapes are many, so these statements are prepared per call rather than cached.
        statement_ptr count(conn.raw().prepareStatement("SELECT COUNT(*)" + where.text));
        bind_all(*count, where.params);
        result_set counted(count->executeQuery());
        user_page page;
        if (counted->next()) page.total_count = counted->getInt64(1);

        statement_ptr select(conn.raw().prepareStatement(std::string("SELECT ") + user_columns + where.text
                                                         + " AND u.id > ? ORDER BY u.id LIMIT ?"));
        bind_all(*select, where.params);
        select->setString(static_cast<unsigned>(where.params.size() + 1), q.starting_after);
        select->setInt(static_cast<unsigned>(where.params.size() + 2),
                       static_cast<std::int32_t>(q.limit + 1));
        result_set rows(select->executeQuery());
        while (rows->next()) page.users.push_back(read_user(*rows));
        if (page.users.size() > q.limit) {
            page.has_more = true;
            page.users.pop_back();
        }
        load_methods(conn, page.users);
        return page;
    });
}

async_outcome<std::string> mysql_user_repository::delete_email(tenant owner, std::string email_id,
                                                               std::int64_t now) {
    return pool_.run<std::string>([owner, id = std::move(email_id), now](connection& conn) {
        return delete_method(conn, email_table, errc::email_not_found, owner, id, now);
    });
}

async_outcome<std::string> mysql_user_repository::delete_phone_number(tenant owner,
                                                                      std::string phone_number_id,
                                                                      std::int64_t now) {
    return pool_.run<std::string>([owner, id = std::move(phone_number_id), now](connection& conn) {
        return delete_method(conn, phone_table, errc::phone_number_not_found, owner, id, now);
    });
}

}  // namespace moonkey::mysql
