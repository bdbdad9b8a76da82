#include "moonkey/store/mysql/mysql_repository.hpp"

#include "moonkey/store/mysql/limit_counters.hpp"
#include "moonkey/store/mysql/login_batch.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace moonkey::mysql {
namespace {

using result_set = std::unique_ptr<sql::ResultSet>;

void insert_keys(connection& conn, std::string const& app_id, std::vector<new_app_key> const& keys, std::int64_t now) {
    auto& key = conn.prepare(
        "INSERT INTO api_keys (id, key_digest, app_id, environment, kind, display_prefix, created_at)"
        " VALUES (?, UNHEX(?), ?, ?, ?, ?, ?)");
    for (auto const& k : keys) {
        key.setString(1, k.id);
        key.setString(2, hex(k.digest));
        key.setString(3, app_id);
        key.setString(4, std::string(to_string(k.env)));
        key.setString(5, std::string(to_string(k.kind)));
        key.setString(6, k.display_prefix);
        key.setInt64(7, now);
        key.executeUpdate();
    }
}

bool app_exists(connection& conn, std::string const& app_id) {
    auto& find = conn.prepare("SELECT 1 FROM apps WHERE id = ?");
    find.setString(1, app_id);
    return result_set(find.executeQuery())->next();
}

}  // namespace

async_outcome<std::optional<api_key_record>> mysql_repository::find_api_key(crypto::digest digest) {
    return pool_.run<std::optional<api_key_record>>([digest](connection& conn) -> outcome<std::optional<api_key_record>> {
        auto& find = conn.prepare(
            "SELECT k.app_id, k.environment, k.kind, k.revoked_at IS NOT NULL, a.name, a.settings"
            " FROM api_keys k JOIN apps a ON a.id = k.app_id WHERE k.key_digest = UNHEX(?)");
        find.setString(1, hex(digest));
        result_set rows(find.executeQuery());
        if (!rows->next()) return std::optional<api_key_record>();
        api_key_record record;
        record.owner.app_id = rows->getString(1);
        record.owner.env = parse_environment(std::string(rows->getString(2))).value_or(environment::test);
        record.kind = rows->getString(3) == "secret" ? key_kind::secret : key_kind::public_token;
        record.revoked = rows->getBoolean(4);
        record.app_name = rows->getString(5);
        record.settings = parse_app_settings(std::string(rows->getString(6)), record.owner.env);
        return std::optional<api_key_record>(std::move(record));
    });
}

async_outcome<login_result> mysql_repository::login_or_create(login_request request) {
    return batch_pool_.run_batched(login_batch, std::move(request));
}

async_outcome<void> mysql_repository::create_app(std::string app_id, std::string name, std::vector<new_app_key> keys,
                                                 std::int64_t now) {
    return pool_.run<void>([=](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            auto& app = conn.prepare("INSERT INTO apps (id, name, created_at) VALUES (?, ?, ?)");
            app.setString(1, app_id);
            app.setString(2, name);
            app.setInt64(3, now);
            app.executeUpdate();
            insert_keys(conn, app_id, keys, now);
            return {};
        });
    });
}

async_outcome<std::vector<jwt_key_row>> mysql_repository::load_jwt_keys() {
    return pool_.run<std::vector<jwt_key_row>>([](connection& conn) -> outcome<std::vector<jwt_key_row>> {
        auto& find = conn.prepare(
            "SELECT kid, HEX(sealed_private_key), created_at, sign_from, retire_at FROM jwt_keys"
            " ORDER BY sign_from DESC, kid DESC");
        result_set rows(find.executeQuery());
        std::vector<jwt_key_row> keys;
        while (rows->next()) {
            jwt_key_row key{rows->getString(1), unhex(std::string(rows->getString(2))), rows->getInt64(3),
                            rows->getInt64(4), std::nullopt};
            if (!rows->isNull(5)) key.retire_at = rows->getInt64(5);
            keys.push_back(std::move(key));
        }
        return keys;
    });
}

async_outcome<void> mysql_repository::add_jwt_key(jwt_key_row key, std::int64_t retire_others_at) {
    return pool_.run<void>([k = std::move(key), retire_others_at](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            auto& retire = conn.prepare("UPDATE jwt_keys SET retire_at = ? WHERE retire_at IS NULL");
            retire.setInt64(1, retire_others_at);
            retire.executeUpdate();
            auto& insert = conn.prepare(
                "INSERT INTO jwt_keys (kid, sealed_private_key, created_at, sign_from) VALUES (?, UNHEX(?), ?, ?)");
            insert.setString(1, k.kid);
            insert.setString(2, hex(k.sealed_private_key));
            insert.setInt64(3, k.created_at);
            insert.setInt64(4, k.sign_from);
            insert.executeUpdate();
            return {};
        });
    });
}

async_outcome<void> mysql_repository::update_app_settings(
    std::string app_id, std::function<outcome<std::string>(std::string const&)> change) {
    return pool_.run<void>([app_id = std::move(app_id), change = std::move(change)](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            auto& find = conn.prepare("SELECT settings FROM apps WHERE id = ? FOR UPDATE");
            find.setString(1, app_id);
            result_set row(find.executeQuery());
            if (!row->next()) return fail(errc::not_found, "no app with id " + app_id);
            auto changed = change(std::string(row->getString(1)));
            if (!changed) return changed.error();
            auto& update = conn.prepare("UPDATE apps SET settings = ? WHERE id = ?");
            update.setString(1, *changed);
            update.setString(2, app_id);
            update.executeUpdate();
            return {};
        });
    });
}

async_outcome<void> mysql_repository::add_api_keys(std::string app_id, std::vector<new_app_key> keys,
                                                   std::int64_t now) {
    return pool_.run<void>([=](connection& conn) {
        return in_transaction(conn, [&]() -> outcome<void> {
            if (!app_exists(conn, app_id)) return fail(errc::not_found, "no app with id " + app_id);
            insert_keys(conn, app_id, keys, now);
            return {};
        });
    });
}

async_outcome<std::vector<api_key_info>> mysql_repository::list_api_keys(std::string app_id) {
    return pool_.run<std::vector<api_key_info>>([=](connection& conn) -> outcome<std::vector<api_key_info>> {
        if (!app_exists(conn, app_id)) return fail(errc::not_found, "no app with id " + app_id);
        auto& find = conn.prepare(
            "SELECT id, environment, kind, display_prefix, created_at, revoked_at FROM api_keys WHERE app_id = ?"
            " ORDER BY created_at, id");
        find.setString(1, app_id);
        result_set rows(find.executeQuery());
        std::vector<api_key_info> keys;
        while (rows->next()) {
            api_key_info k;
            k.id = rows->getString(1);
            k.env = parse_environment(std::string(rows->getString(2))).value_or(environment::test);
            k.kind = rows->getString(3) == "secret" ? key_kind::secret : key_kind::public_token;
            k.display_prefix = rows->getString(4);
            k.created_at = rows->getInt64(5);
            if (!rows->isNull(6)) k.revoked_at = rows->getInt64(6);
            keys.push_back(std::move(k));
        }
        return keys;
    });
}

async_outcome<void> mysql_repository::revoke_api_key(std::string key_id, std::int64_t now) {
    return pool_.run<void>([=](connection& conn) -> outcome<void> {
        auto& revoke = conn.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
        revoke.setInt64(1, now);
        revoke.setString(2, key_id);
        if (revoke.executeUpdate() == 0) return fail(errc::not_found, "no active key with id " + key_id);
        return {};
    });
}

async_outcome<std::size_t> mysql_repository::purge_limit_counters(std::int64_t now, unsigned limit) {
    return pool_.run<std::size_t>([=](connection& conn) -> outcome<std::size_t> {
        return mysql::purge_limit_counters(conn, now, limit);
    });
}

async_outcome<void> mysql_repository::ping() {
    return pool_.run<void>([](connection& conn) -> outcome<void> {
        conn.execute("DO 1");
        return {};
    });
}

}  // namespace moonkey::mysql
