// The deployment files of tools/: the systemd unit passes `systemd-analyze verify` (with ExecStart
// pointing at the built moonkeyd) and carries the settings operations rely on, and the example
// configuration lists every key moonkeyd knows and starts a real moonkeyd.

#include "child_process.hpp"
#include "test_server.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace moonkey::test;

namespace {

std::string const repo_root = MOONKEY_SOURCE_DIR;
std::string const unit_source = repo_root + "/tools/moonkeyd.service";
std::string const example_config = repo_root + "/tools/moonkeyd.conf.example";
constexpr char const* systemd_analyze = "/usr/bin/systemd-analyze";

std::string read_text(std::filesystem::path const& path) {
    std::ifstream in(path);
    BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string quoted(std::string const& word) {
    return "'" + word + "'";
}

// Runs `command` through the shell; returns its exit status and what it printed (stdout and stderr).
std::pair<int, std::string> run_command(std::string const& command) {
    std::string output;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    BOOST_REQUIRE_MESSAGE(pipe, "cannot run " << command);
    char buffer[4096];
    while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// tools/moonkeyd.service copied to a new directory (as moonkeyd.service), ExecStart running the
// moonkeyd of this build instead of /usr/local/bin/moonkeyd.
std::filesystem::path unit_for_this_build() {
    auto text = read_text(unit_source);
    std::string const installed = "\nExecStart=/usr/local/bin/moonkeyd ";  // not the comments' one
    auto at = text.find(installed);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, "the unit has no" << installed);
    text.replace(at, installed.size(), std::string("\nExecStart=") + MOONKEYD_PATH + " ");
    auto path = temp_dir("unit") / "moonkeyd.service";
    std::ofstream(path) << text;
    return path;
}

// The unit's `Key=value` lines (the last one wins for repeated keys).
std::map<std::string, std::string> unit_settings() {
    std::map<std::string, std::string> settings;
    std::istringstream in(read_text(unit_source));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        settings[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return settings;
}

// The keys `moonkeyd --help` lists.
std::set<std::string> moonkeyd_keys() {
    auto [status, help] = run_command(quoted(MOONKEYD_PATH) + " --help");
    BOOST_REQUIRE_EQUAL(status, 0);
    std::set<std::string> keys;
    std::regex option(R"(^  --([a-z_0-9]+))");
    std::istringstream in(help);
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, option)) keys.insert(m[1]);
    return keys;
}

void require_analyze() {
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists(systemd_analyze),
                          systemd_analyze << " is missing: apt-get install systemd");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(systemd_unit)

BOOST_AUTO_TEST_CASE(unit_passes_systemd_analyze_verify) {
    require_analyze();
    auto unit = unit_for_this_build();
    auto [status, output] = run_command(std::string(systemd_analyze) + " verify " + quoted(unit.string()));
    BOOST_TEST_MESSAGE("systemd-analyze verify: exit " << status << (output.empty() ? "" : ": ") << output);
    BOOST_TEST(status == 0, output);
}

BOOST_AUTO_TEST_CASE(unit_has_the_settings_operations_rely_on) {
    auto settings = unit_settings();
    std::map<std::string, std::string> const expected{
        {"Type", "notify"},
        {"NotifyAccess", "main"},
        {"WatchdogSec", "10s"},
        {"Restart", "on-failure"},
        {"RestartSec", "1s"},
        {"TimeoutStopSec", "60s"},
        {"KillSignal", "SIGTERM"},
        {"ExecStart", "/usr/local/bin/moonkeyd --config /etc/moonkey/moonkeyd.conf"},
        {"EnvironmentFile", "-/etc/moonkey/moonkeyd.env"},
        {"NoNewPrivileges", "yes"},
        {"ProtectSystem", "strict"},
        {"ProtectHome", "yes"},
        {"PrivateTmp", "yes"},
        {"PrivateDevices", "yes"},
        {"ProtectKernelTunables", "yes"},
        {"ProtectKernelModules", "yes"},
        {"ProtectKernelLogs", "yes"},
        {"ProtectControlGroups", "yes"},
        {"ProtectClock", "yes"},
        {"ProtectHostname", "yes"},
        {"RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"},
        {"RestrictNamespaces", "yes"},
        {"RestrictRealtime", "yes"},
        {"RestrictSUIDSGID", "yes"},
        {"LockPersonality", "yes"},
        {"MemoryDenyWriteExecute", "yes"},
        {"SystemCallArchitectures", "native"},
        {"SystemCallFilter", "@system-service"},
        {"CapabilityBoundingSet", ""},
        {"AmbientCapabilities", ""},
        {"UMask", "0077"},
        {"LimitNOFILE", "65536"},
    };
    for (auto const& [key, value] : expected) {
        auto it = settings.find(key);
        BOOST_TEST_REQUIRE((it != settings.end()), key << " is missing");
        BOOST_TEST(it->second == value, key << "=" << it->second << ", expected " << value);
    }
    bool fixed_user = settings.count("User") && settings.count("Group");
    bool dynamic_user = settings.count("DynamicUser") && settings["DynamicUser"] == "yes";
    BOOST_TEST((fixed_user || dynamic_user), "the unit runs as root");
    BOOST_TEST(settings["User"] != "root");
}

BOOST_AUTO_TEST_CASE(unit_exposure_is_low) {
    require_analyze();
    auto unit = unit_for_this_build();
    auto [status, output] = run_command(std::string(systemd_analyze) + " security --offline=true --no-pager "
                                        + quoted(unit.string()));
    std::smatch m;
    std::regex overall(R"(Overall exposure level for moonkeyd\.service: ([0-9]+\.[0-9]+))");
    if (!std::regex_search(output, m, overall)) {
        BOOST_TEST_MESSAGE("systemd-analyze security --offline is not available here (exit " << status
                                                                                             << ")");
        return;
    }
    double exposure = std::stod(m[1]);
    BOOST_TEST_MESSAGE("systemd-analyze security: exposure " << exposure);
    BOOST_TEST(exposure <= 2.0);
}

BOOST_AUTO_TEST_CASE(example_configuration_lists_every_key_and_starts_moonkeyd) {
    auto text = read_text(example_config);

    // Every key of `moonkeyd --help` but help and config is in the example, set or commented out.
    std::set<std::string> listed;
    std::regex entry(R"(^#? ?([a-z_0-9]+) = )");
    {
        std::istringstream in(text);
        std::string line;
        std::smatch m;
        while (std::getline(in, line))
            if (std::regex_search(line, m, entry)) listed.insert(m[1]);
    }
    for (auto const& key : moonkeyd_keys()) {
        if (key == "help" || key == "config") continue;
        BOOST_TEST(listed.count(key) == 1u, key << " is not in tools/moonkeyd.conf.example");
    }

    // moonkeyd reads it as it is (an unknown key or a malformed line would stop it).
    auto [status, output] =
        run_command(quoted(MOONKEYD_PATH) + " --config " + quoted(example_config) + " --help");
    BOOST_TEST(status == 0, output);

    // With its secret file in place, and the database and port of this test given as flags (which
    // win over the file), it serves.
    auto dir = temp_dir("example-config");
    std::ofstream(dir / "secret") << "example-config-secret-example-config-0123456789\n";
    std::string const installed_secret = "secret_file = /etc/moonkey/secret";
    auto at = text.find(installed_secret);
    BOOST_TEST_REQUIRE(at != std::string::npos, "the example has no " << installed_secret);
    text.replace(at, installed_secret.size(), "secret_file = " + (dir / "secret").string());
    std::ofstream(dir / "moonkeyd.conf") << text;
    auto port = free_port();
    child_process server(
        {MOONKEYD_PATH, "--config", (dir / "moonkeyd.conf").string(), "--database_url", test_database_url(),
         "--listen", "127.0.0.1:" + std::to_string(port), "--threads", "1"},
        dir / "moonkeyd.log");
    BOOST_TEST_REQUIRE(!server.wait_for_log("\"listening\"").empty(), "moonkeyd did not start; see " << dir);
    BOOST_TEST(http_request(port, "GET", "/readyz").status == 200);
    BOOST_TEST(server.stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
