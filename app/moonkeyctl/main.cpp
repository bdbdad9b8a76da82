// moonkeyctl: administration against the same configuration as moonkeyd.
//   moonkeyctl [--key value ...] migrate
//   moonkeyctl [--key value ...] app create --name NAME

#include "moonkey/core/clock.hpp"
#include "moonkey/core/config.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/domain/api_key.hpp"
#include "moonkey/domain/app_settings.hpp"
#include "moonkey/domain/jwt_key_ring.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/store/mysql/migrator.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

namespace {
using namespace moonkey;

constexpr char const* usage =
    "Usage: moonkeyctl [--key value ...] COMMAND\n"
    "  migrate                  apply the schema migrations not yet applied\n"
    "  app create --name NAME   create an app; prints its id and keys as JSON (shown once)\n"
    "  app set APP KEY VALUE [--env test|live]\n"
    "                           change a setting: fingerprint_match (none|ip|user_agent|both),\n"
    "                           default_locale (en|es|fr|de|pt-br), domain\n"
    "  jwt rotate               publish a new session-JWT signing key (it signs after 10 minutes)\n"
    "  key create APP --env test|live [--public]\n"
    "                           add a secret key (or public token) to an app; prints it once\n"
    "  key list APP             the app's keys: id, environment, kind, prefix, created, revoked\n"
    "  key revoke KEY_ID        revoke a key; every instance refuses it within 5 seconds\n"
    "Configuration keys as for moonkeyd (--help lists them).\n";

// Runs one repository call to completion on a one-connection pool.
template <class T, class Call>
outcome<T> run_once(database_url const& url, Call call) {
    mysql::worker_pool pool({url, 1, std::chrono::seconds(10), 16});
    mysql::mysql_repository repo(pool);
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, call(repo), boost::asio::use_future);
    io.run();
    auto result = done.get();
    pool.stop();
    return result;
}

int migrate_command(database_url const& url) {
    mysql::connection conn(url, std::chrono::seconds(30));
    auto applied = mysql::migrate(conn);
    boost::json::array names;
    for (auto const& name : applied) names.emplace_back(name);
    std::cout << boost::json::serialize(boost::json::object{{"applied", names}}) << "\n";
    return 0;
}

int app_create_command(database_url const& url, std::string const& name) {
    if (name.empty() || name.size() > 100) {
        std::cerr << "moonkeyctl: app create needs --name NAME (1..100 characters)\n";
        return 2;
    }
    auto now = system_unix_clock()();
    auto app_id = new_id("app_", now);
    boost::json::object out{{"app_id", app_id}, {"name", name}};
    std::vector<new_app_key> keys;
    for (auto env : {environment::test, environment::live}) {
        boost::json::object env_keys;
        for (auto kind : {key_kind::secret, key_kind::public_token}) {
            auto key = generate_api_key(kind, env);
            keys.push_back(new_app_key_for(key, env, kind));
            env_keys[kind == key_kind::secret ? "secret_key" : "public_token"] = key;
        }
        out[to_string(env)] = env_keys;
    }
    auto created = run_once<void>(
        url, [&](mysql::mysql_repository& repo) { return repo.create_app(app_id, name, std::move(keys), now); });
    if (!created) {
        std::cerr << "moonkeyctl: " << created.error().message << "\n";
        return 1;
    }
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
}

int app_set_command(database_url const& url, std::vector<std::string> const& args) {
    // app set APP KEY VALUE [--env test|live]
    std::optional<environment> env;
    if (args.size() == 7 && args[5] == "--env") {
        env = parse_environment(args[6]);
        if (!env) {
            std::cerr << "moonkeyctl: --env must be test or live\n";
            return 2;
        }
    } else if (args.size() != 5) {
        std::cerr << usage;
        return 2;
    }
    auto change = [&](std::string const& current) { return set_app_setting(current, args[3], args[4], env); };
    auto changed = run_once<void>(url, [&](mysql::mysql_repository& repo) { return repo.update_app_settings(args[2], change); });
    if (!changed) {
        std::cerr << "moonkeyctl: " << changed.error().message << "\n";
        return 1;
    }
    std::cout << boost::json::serialize(boost::json::object{{"app_id", args[2]}, {args[3], args[4]}}) << "\n";
    return 0;
}

int key_create_command(database_url const& url, std::vector<std::string> const& args) {
    // key create APP --env test|live [--public]
    bool public_token = args.size() == 6 && args[5] == "--public";
    if ((args.size() != 5 && !public_token) || args[3] != "--env") {
        std::cerr << usage;
        return 2;
    }
    auto env = parse_environment(args[4]);
    if (!env) {
        std::cerr << "moonkeyctl: --env must be test or live\n";
        return 2;
    }
    auto kind = public_token ? key_kind::public_token : key_kind::secret;
    auto key = generate_api_key(kind, *env);
    auto record = new_app_key_for(key, *env, kind);
    auto added = run_once<void>(url, [&](mysql::mysql_repository& repo) {
        return repo.add_api_keys(args[2], {record}, system_unix_clock()());
    });
    if (!added) {
        std::cerr << "moonkeyctl: " << added.error().message << "\n";
        return 1;
    }
    std::cout << boost::json::serialize(boost::json::object{
                     {"key_id", record.id}, {"environment", to_string(*env)}, {"kind", to_string(kind)}, {"key", key}})
              << "\n";
    return 0;
}

int key_list_command(database_url const& url, std::string const& app_id) {
    auto keys = run_once<std::vector<api_key_info>>(
        url, [&](mysql::mysql_repository& repo) { return repo.list_api_keys(app_id); });
    if (!keys) {
        std::cerr << "moonkeyctl: " << keys.error().message << "\n";
        return 1;
    }
    boost::json::array out;
    for (auto const& k : *keys) {
        boost::json::object row{{"key_id", k.id},          {"environment", to_string(k.env)},
                                {"kind", to_string(k.kind)}, {"prefix", k.display_prefix},
                                {"created_at", k.created_at}};
        row["revoked_at"] = k.revoked_at ? boost::json::value(*k.revoked_at) : boost::json::value(nullptr);
        out.push_back(std::move(row));
    }
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
}

int key_revoke_command(database_url const& url, std::string const& key_id) {
    auto revoked = run_once<void>(
        url, [&](mysql::mysql_repository& repo) { return repo.revoke_api_key(key_id, system_unix_clock()()); });
    if (!revoked) {
        std::cerr << "moonkeyctl: " << revoked.error().message << "\n";
        return 1;
    }
    std::cout << boost::json::serialize(boost::json::object{{"key_id", key_id}, {"revoked", true}}) << "\n";
    return 0;
}

int jwt_rotate_command(database_url const& url, std::string const& secret) {
    if (secret.size() < 32) {
        std::cerr << "moonkeyctl: jwt rotate needs the server secret (MOONKEY_SECRET or secret_file)\n";
        return 2;
    }
    auto rotated = run_once<void>(url, [&](mysql::mysql_repository& repo) -> boost::asio::awaitable<outcome<void>> {
        jwt_key_ring ring(repo, secret, system_unix_clock(), jwt_key_ring::options{});
        co_return co_await ring.rotate();
    });
    if (!rotated) {
        std::cerr << "moonkeyctl: " << rotated.error().message << "\n";
        return 1;
    }
    std::cout << "{\"rotated\":true}\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Global options come before the command; the command's own arguments follow it.
    int command_at = 1;
    while (command_at < argc && std::string_view(argv[command_at]).starts_with("--")) {
        std::string_view flag = argv[command_at];
        command_at += (flag.find('=') == std::string_view::npos && flag != "--help") ? 2 : 1;
    }
    command_at = std::min(command_at, argc);
    auto request = load_config(command_at, argv, config_use::admin);
    if (!request) {
        std::cerr << "moonkeyctl: " << request.error().message << "\n";
        return 2;
    }
    std::vector<std::string> args(argv + command_at, argv + argc);
    if (request->help || args.empty()) {
        std::cout << usage << "\n" << request->help_text;
        return request->help ? 0 : 2;
    }
    auto url = parse_database_url(request->cfg.database_url);
    if (!url) {
        std::cerr << "moonkeyctl: " << url.error().message << "\n";
        return 2;
    }
    try {
        if (args[0] == "migrate" && args.size() == 1) return migrate_command(*url);
        if (args.size() == 4 && args[0] == "app" && args[1] == "create" && args[2] == "--name")
            return app_create_command(*url, args[3]);
        if (args.size() >= 2 && args[0] == "app" && args[1] == "set") return app_set_command(*url, args);
        if (args.size() >= 2 && args[0] == "key" && args[1] == "create") return key_create_command(*url, args);
        if (args.size() == 3 && args[0] == "key" && args[1] == "list") return key_list_command(*url, args[2]);
        if (args.size() == 3 && args[0] == "key" && args[1] == "revoke") return key_revoke_command(*url, args[2]);
        if (args.size() == 2 && args[0] == "jwt" && args[1] == "rotate")
            return jwt_rotate_command(*url, request->cfg.secret);
    } catch (std::exception const& e) {
        std::cerr << "moonkeyctl: " << e.what() << "\n";
        return 1;
    }
    std::cerr << usage;
    return 2;
}
