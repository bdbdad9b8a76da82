#include <boost/test/unit_test.hpp>

#include "moonkey/core/config.hpp"

#include <cstdlib>
#include <fstream>

using namespace moonkey;

namespace {

outcome<config_request> load(std::vector<char const*> args, config_use use = config_use::server) {
    args.insert(args.begin(), "moonkeyd");
    return load_config(static_cast<int>(args.size()), args.data(), use);
}

constexpr char const* secret = "--secret=0123456789abcdef0123456789abcdef";
constexpr char const* db = "--database_url=mysql://u:p@127.0.0.1:3306/moonkey";

}  // namespace

BOOST_AUTO_TEST_SUITE(config_loading)

BOOST_AUTO_TEST_CASE(flags_set_values_with_defaults_elsewhere) {
    auto r = load({secret, db, "--listen", "0.0.0.0:8080", "--threads", "3"});
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->cfg.listen_host == "0.0.0.0");
    BOOST_TEST(r->cfg.listen_port == 8080);
    BOOST_TEST(r->cfg.threads == 3u);
    BOOST_TEST(r->cfg.db_pool_size == 16u);
}

BOOST_AUTO_TEST_CASE(the_server_refuses_to_start_without_a_secret) {
    auto r = load({db});
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().message.starts_with("secret"));
    BOOST_TEST(load({db}, config_use::admin).has_value());
}

BOOST_AUTO_TEST_CASE(unknown_or_bad_keys_are_named) {
    auto unknown = load({secret, db, "--no_such_key=1"});
    BOOST_TEST_REQUIRE(!unknown.has_value());
    BOOST_TEST(unknown.error().message.find("no_such_key") != std::string::npos);
    auto bad = load({secret, db, "--threads=many"});
    BOOST_TEST_REQUIRE(!bad.has_value());
    BOOST_TEST(bad.error().message.find("threads") != std::string::npos);
    auto listen = load({secret, db, "--listen=nowhere"});
    BOOST_TEST(listen.error().message.starts_with("listen"));
}

BOOST_AUTO_TEST_CASE(connection_limits_must_be_usable) {
    BOOST_TEST(load({secret, db})->cfg.max_connections == 10000u);
    for (auto key : {"max_connections", "read_timeout", "idle_timeout"}) {
        auto flag = "--" + std::string(key) + "=0";
        auto r = load({secret, db, flag.c_str()});
        BOOST_TEST_REQUIRE(!r.has_value(), key);
        BOOST_TEST(r.error().message.starts_with(std::string(key) + ": must be at least 1"), r.error().message);
    }
}

BOOST_AUTO_TEST_CASE(done_messages_stay_a_day_unless_told_otherwise) {
    BOOST_TEST(load({secret, db})->cfg.outbox_retention.count() == 86400);
    BOOST_TEST(load({secret, db, "--outbox_retention=3600"})->cfg.outbox_retention.count() == 3600);
    BOOST_TEST(load({secret, db, "--outbox_retention=0"})->cfg.outbox_retention.count() == 0);  // for good
}

BOOST_AUTO_TEST_CASE(an_unknown_environment_variable_is_named) {
    ::setenv("MOONKEY_NO_SUCH_SETTING", "1", 1);
    auto r = load({secret, db});
    ::unsetenv("MOONKEY_NO_SUCH_SETTING");
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().message.starts_with("MOONKEY_NO_SUCH_SETTING"));
}

BOOST_AUTO_TEST_CASE(environment_and_file_fill_in_and_flags_win) {
    auto path = std::string("/tmp/moonkey-config-test.conf");
    std::ofstream(path) << "listen = 127.0.0.1:9000\nthreads = 2\ndb_pool_size = 4\n";
    ::setenv("MOONKEY_THREADS", "5", 1);
    auto r = load({secret, db, "--config", path.c_str(), "--db_pool_size=7"});
    ::unsetenv("MOONKEY_THREADS");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->cfg.listen_port == 9000);  // file
    BOOST_TEST(r->cfg.threads == 5u);        // environment over file
    BOOST_TEST(r->cfg.db_pool_size == 7u);   // flag over file
}

BOOST_AUTO_TEST_CASE(help_lists_every_key) {
    auto r = load({"--help"});
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->help);
    for (auto key : {"listen", "threads", "database_url", "db_pool_size", "secret", "secret_file", "sms_provider",
                     "email_provider", "drain_delay", "log_level", "access_log"})
        BOOST_TEST(r->help_text.find(key) != std::string::npos, key);
}

BOOST_AUTO_TEST_SUITE_END()
