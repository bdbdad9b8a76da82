// No secrets at rest or in logs: a real moonkeyd (webhook delivery, debug log level, access log on) on
// a database of its own issues codes, API keys, session tokens and JWTs, and serves requests that
// succeed and requests that fail while carrying them. Then neither the database dump
// (mariadb-dump --hex-blob) nor anything moonkeyd or moonkeyctl wrote to stderr holds any of them, in
// clear, in hex or in base64. moonkeyctl's stdout is the one place where keys are shown, by design.

#include "flow_support.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/domain/api_key.hpp"
#include "moonkey/store/mysql/connection.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>

using namespace moonkey::test;
namespace json = boost::json;

namespace {

using steady = std::chrono::steady_clock;

// The server and webhook secrets of this test's moonkeyd.
constexpr char const* server_secret = "secrets-test-server-secret-9f3Kq2Lx8Vb7Nc6Md5";

// One thing that must not be found, and whether it is a code (6 digits, matched only where no other
// digit touches it: timestamps and phone numbers are digit runs too).
struct secret {
    std::string label;
    std::string value;
    bool code = false;
};

// A text searched: moonkeyd's log, moonkeyctl's stderr, or the dump. In the dump, binary columns are
// 0x… hex literals; a plain code there would be hex-encoded, so digits inside a literal are not a
// plain match (the hex form is searched separately).
struct haystack {
    std::string name;
    std::string text;
    bool hex_literals = false;
};

std::string lowercase(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool inside_hex_literal(std::string_view text, std::size_t at) {
    while (at > 0 && std::isxdigit(static_cast<unsigned char>(text[at - 1]))) --at;
    return at >= 2 && text[at - 1] == 'x' && text[at - 2] == '0';
}

// Returns "where: form at offset: …context…" for every place `s` appears in `h`, in clear, as
// lower- or upper-case hex of its bytes, or as base64 (the groups that do not depend on what follows).
std::vector<std::string> find_secret(haystack const& h, secret const& s) {
    struct form {
        std::string name, text;
        bool any_case;
    };
    auto base64 = moonkey::crypto::base64_encode(s.value);
    base64.resize(s.value.size() / 3 * 4);
    auto const* bytes = reinterpret_cast<std::uint8_t const*>(s.value.data());
    std::vector<form> forms{{"plain", s.value, false},
                            {"hex", moonkey::crypto::to_hex({bytes, s.value.size()}), true}};
    if (base64.size() >= 8) forms.push_back({"base64", base64, false});
    auto const lower = lowercase(h.text);
    std::vector<std::string> found;
    for (auto const& f : forms) {
        if (f.text.empty()) continue;
        auto const& text = f.any_case ? lower : h.text;
        for (auto at = text.find(f.text); at != std::string::npos; at = text.find(f.text, at + 1)) {
            auto end = at + f.text.size();
            if (s.code && f.name == "plain") {
                if ((at > 0 && is_digit(text[at - 1])) || (end < text.size() && is_digit(text[end])))
                    continue;
                if (h.hex_literals && inside_hex_literal(text, at)) continue;
            }
            auto from = at < 60 ? 0 : at - 60;
            auto context = h.text.substr(from, at - from) + "[" + s.label + "]" + h.text.substr(end, 60);
            found.push_back(h.name + ": " + s.label + " (" + f.name + ") at " + std::to_string(at) + ": …"
                            + context + "…");
        }
    }
    return found;
}

// Returns every finding of every secret in every haystack.
std::vector<std::string> leaks(std::vector<haystack> const& texts, std::vector<secret> const& secrets) {
    std::vector<std::string> out;
    for (auto const& h : texts)
        for (auto const& s : secrets)
            for (auto& f : find_secret(h, s)) out.push_back(std::move(f));
    return out;
}

std::string read_text(std::filesystem::path const& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Waits (bounded) for `p` to exit; returns its exit status, or -1 after killing it.
int wait_exit(child_process& p, std::chrono::seconds limit) {
    auto deadline = steady::now() + limit;
    while (p.running() && steady::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (p.running()) {
        p.stop(SIGKILL);
        return -1;
    }
    return p.stop(SIGTERM);  // already reaped: the status, no signal
}

// moonkeyctl runs with its stdout and stderr in separate files, so that the keys it prints (stdout)
// can be left out of the search and everything else (stderr) kept in.
struct ctl {
    std::filesystem::path dir;
    std::string url;
    int runs = 0;
    std::string stderr_text;

    struct result {
        int status;
        std::string out;
    };

    result operator()(std::vector<std::string> args) {
        auto out = dir / ("moonkeyctl-" + std::to_string(++runs) + ".out");
        auto err = dir / ("moonkeyctl-" + std::to_string(runs) + ".err");
        std::vector<std::string> argv{"/bin/sh",
                                      "-c",
                                      "err=\"$1\"; shift; exec \"$@\" 2>>\"$err\"",
                                      "sh",
                                      err.string(),
                                      MOONKEYCTL_PATH,
                                      "--database_url",
                                      url};
        argv.insert(argv.end(), args.begin(), args.end());
        child_process p(std::move(argv), out);
        int status = wait_exit(p, std::chrono::seconds(60));
        stderr_text += read_text(err);
        return {status, read_text(out)};
    }
};

// Returns the test database URL with the database `name` instead.
std::string url_of_database(std::string const& test_url, std::string const& name) {
    boost::urls::url url = boost::urls::parse_uri(test_url).value();
    url.set_path("/" + name);
    return std::string(url.buffer());
}

// Drops and creates `name` next to the test database (the test user may create moonkey_* databases).
void fresh_database(std::string const& name) {
    auto url = moonkey::parse_database_url(test_database_url()).value();
    moonkey::mysql::connection conn(url, std::chrono::seconds(10));
    conn.execute("DROP DATABASE IF EXISTS `" + name + "`");
    conn.execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4");
}

// Dumps `url`'s database with mariadb-dump --hex-blob into `file`; returns its exit status.
int dump_database(std::string const& url_text, std::filesystem::path const& file) {
    auto url = moonkey::parse_database_url(url_text).value();
    std::vector<std::string> argv{"/usr/bin/mariadb-dump",      "--hex-blob",
                                  "--single-transaction",       "--user=" + url.user,
                                  "--password=" + url.password, "--result-file=" + file.string()};
    if (!url.socket.empty()) {
        argv.push_back("--socket=" + url.socket);
    } else {
        argv.insert(argv.end(),
                    {"--protocol=tcp", "--host=" + url.host, "--port=" + std::to_string(url.port)});
    }
    argv.push_back(url.database);
    child_process dump(std::move(argv), file.string() + ".log");
    return wait_exit(dump, std::chrono::seconds(60));
}

std::string string_at(json::value const& v, std::initializer_list<char const*> path) {
    json::value const* at = &v;
    for (auto const* key : path) {
        auto const* next = at->is_object() ? at->as_object().if_contains(key) : nullptr;
        if (!next) return "";
        at = next;
    }
    return at->is_string() ? std::string(at->as_string()) : "";
}

std::string six_digits(int n) {
    char text[8];
    std::snprintf(text, sizeof text, "%06d", n % 1000000);
    return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secrets)

// The search itself: it finds what it looks for, so the test below can fail.
BOOST_AUTO_TEST_CASE(the_search_finds_a_planted_secret_in_each_form) {
    secret code{"code", "123456", true};
    secret key{"key", "sk_test_AbCdEfGhIjKlMnOpQrStUvWxYz012345", false};
    auto count = [](std::string text, secret const& s, bool hex_literals = false) {
        return find_secret({"text", std::move(text), hex_literals}, s).size();
    };
    BOOST_TEST(count(R"({"msg":"request","otp":"123456"})", code) == 1u);
    BOOST_TEST(count("code=123456;", code) == 1u);
    BOOST_TEST(count("1700000123456 and +16502123456", code) == 0u);  // inside longer digit runs
    BOOST_TEST(count("(0x3A123456FF,'123456')", code, true) == 1u);   // the literal's digits are not a match
    BOOST_TEST(count("0x313233343536", code, true) == 1u);            // hex of the code's characters
    BOOST_TEST(count("MTIzNDU2", code) == 1u);                        // base64
    BOOST_TEST(count("Authorization: Bearer sk_test_AbCdEfGhIjKlMnOpQrStUvWxYz012345", key) == 1u);
    BOOST_TEST(count("Basic " + moonkey::crypto::base64_encode(key.value + ":"), key) == 1u);
    BOOST_TEST(count("sk_test_AbCd", key) == 0u);  // the display prefix alone is not the key
    BOOST_TEST(leaks({{"log", "nothing here 654321x"}}, {code, key}).empty());
}

BOOST_AUTO_TEST_CASE(no_code_key_or_token_is_in_the_database_or_the_logs) {
    auto dir = temp_dir("secrets");
    auto test_url = moonkey::parse_database_url(test_database_url()).value();
    auto const db_name = test_url.database + "_secrets";
    fresh_database(db_name);
    auto const url = url_of_database(test_database_url(), db_name);
    ctl moonkeyctl{dir, url, 0, {}};
    BOOST_TEST_REQUIRE(moonkeyctl({"migrate"}).status == 0);
    auto created = moonkeyctl({"app", "create", "--name", "Secrets"});
    BOOST_TEST_REQUIRE(created.status == 0);
    auto app = json::parse(created.out);
    auto app_id = string_at(app, {"app_id"});
    auto extra = moonkeyctl({"key", "create", app_id, "--env", "test"});
    BOOST_TEST_REQUIRE(extra.status == 0);
    auto extra_public = moonkeyctl({"key", "create", app_id, "--env", "test", "--public"});
    BOOST_TEST_REQUIRE(extra_public.status == 0);
    auto const sk = string_at(json::parse(extra.out), {"key"});
    auto const pk = string_at(app, {"test", "public_token"});
    auto const looks_real = moonkey::generate_api_key(moonkey::key_kind::secret, moonkey::environment::test);
    std::vector<secret> secrets{{"test secret key", string_at(app, {"test", "secret_key"})},
                                {"test public token", pk},
                                {"live secret key", string_at(app, {"live", "secret_key"})},
                                {"live public token", string_at(app, {"live", "public_token"})},
                                {"created secret key", sk},
                                {"created public token", string_at(json::parse(extra_public.out), {"key"})},
                                {"unknown key", looks_real},
                                {"server secret", server_secret},
                                {"webhook secret", webhook_secret}};
    for (auto const& s : secrets) BOOST_TEST_REQUIRE(s.value.size() >= 32u, s.label);

    receiver hook;
    auto port = free_port();
    auto log = dir / "moonkeyd.log";
    // clang-format off
    child_process server({MOONKEYD_PATH,
                          "--listen", "127.0.0.1:" + std::to_string(port),
                          "--threads", "2",
                          "--db_pool_size", "4",
                          "--database_url", url,
                          "--secret", server_secret,
                          "--sms_provider", "webhook",
                          "--email_provider", "webhook",
                          "--webhook_url", "http://127.0.0.1:" + std::to_string(hook.port) + "/hook",
                          "--webhook_secret", webhook_secret,
                          "--log_level", "debug",
                          "--loop_lag_target", "0",  // no 503 for a loop that waited for a busy CPU
                          "--access_log", "true"},
                         log);
    // clang-format on
    BOOST_TEST_REQUIRE(!server.wait_for_log("\"listening\"").empty(), "moonkeyd did not start; see " << log);

    // Idempotency-Key: answers are stored for replay (without their session credentials).
    auto call = [&](std::string const& method, std::string const& target, std::string const& key,
                    json::object const& body, std::string const& idempotency_key = "") {
        std::map<std::string, std::string> headers{{"Authorization", "Bearer " + key}};
        if (!idempotency_key.empty()) headers["Idempotency-Key"] = idempotency_key;
        return http_request(port, method, target, body.empty() ? "" : json::serialize(body), headers);
    };
    std::vector<std::string> idempotency_keys;
    auto new_idempotency_key = [&] {
        idempotency_keys.push_back("idem-" + moonkey::crypto::random_base62(32));
        return idempotency_keys.back();
    };
    auto code_sent_to = [&](std::string const& to) {
        std::string code;
        eventually(
            [&] {
                for (auto const& m : hook.batches().first)
                    if (m.to == to) code = m.code;
                return !code.empty();
            },
            std::chrono::seconds(20));
        return code;
    };

    // Codes: by SMS with the created secret key (the first webhook answers 500, so the message is
    // retried and the debug log has something to say), and by email with the public token.
    hook.misbehave("500", 1);
    auto phone = unique_phone();
    auto sms = call("POST", "/v1/auth/otps/sms/login_or_create", sk, {{"phone_number", phone}});
    BOOST_TEST_REQUIRE(sms.status == 200, sms.body);
    auto phone_id = string_at(sms.json, {"phone_number_id"});
    auto email = unique_email();
    auto mail = call("POST", "/v1/auth/otps/email/login_or_create", pk, {{"email", email}});
    BOOST_TEST_REQUIRE(mail.status == 200, mail.body);
    auto email_id = string_at(mail.json, {"email_id"});
    auto sms_code = code_sent_to(phone);
    auto email_code = code_sent_to(email);
    BOOST_TEST_REQUIRE(sms_code.size() == 6u);
    BOOST_TEST_REQUIRE(email_code.size() == 6u);
    BOOST_TEST(!server.wait_for_log("delivery retry scheduled", std::chrono::seconds(1)).empty());
    auto wrong = six_digits(std::stoi(sms_code) + 500000);
    secrets.push_back({"sms code", sms_code, true});
    secrets.push_back({"email code", email_code, true});
    secrets.push_back({"wrong guess", wrong, true});

    // Verifying: a wrong code, the right one with a session, the email code with a session of its own.
    auto guessed = call("POST", "/v1/auth/otps/verify", sk, {{"method_id", phone_id}, {"otp", wrong}});
    BOOST_TEST(guessed.status / 100 == 4, guessed.body);
    auto verified = call("POST", "/v1/auth/otps/verify", sk,
                         {{"method_id", phone_id}, {"otp", sms_code}, {"session_expires_in", 60}});
    BOOST_TEST_REQUIRE(verified.status == 200, verified.body);
    auto token = string_at(verified.json, {"session_token"});
    auto jwt = string_at(verified.json, {"session_jwt"});
    BOOST_TEST_REQUIRE(token.size() == 64u);
    BOOST_TEST_REQUIRE(std::count(jwt.begin(), jwt.end(), '.') == 2);
    auto by_email = call("POST", "/v1/auth/otps/verify", pk,
                         {{"method_id", email_id}, {"otp", email_code}, {"session_expires_in", 30}},
                         new_idempotency_key());
    BOOST_TEST(by_email.status == 200, by_email.body);
    auto email_token = string_at(by_email.json, {"session_token"});
    BOOST_TEST_REQUIRE(email_token.size() == 64u);
    std::vector<std::string> jwts{jwt, string_at(by_email.json, {"session_jwt"})};

    // Sessions: checked (and extended) by token and by JWT, the JWKS with the key in the query; the
    // phone session is deleted at the end, the email session stays in the database.
    auto by_token = call("POST", "/v1/auth/sessions/verify", sk,
                         {{"session_token", token}, {"session_expires_in", 90}}, new_idempotency_key());
    BOOST_TEST(by_token.status == 200, by_token.body);
    jwts.push_back(string_at(by_token.json, {"session_jwt"}));
    auto by_jwt = call("POST", "/v1/auth/sessions/verify", sk, {{"session_jwt", jwt}});
    BOOST_TEST(by_jwt.status == 200, by_jwt.body);
    jwts.push_back(string_at(by_jwt.json, {"session_jwt"}));
    BOOST_TEST(http_request(port, "GET", "/v1/auth/jwks/default?api_key=" + pk).status == 200);

    // Requests that fail while carrying secrets, in the header, the query, the path and the body.
    json::object carrying{{"method_id", phone_id}, {"otp", sms_code}, {"session_token", token}};
    BOOST_TEST(call("POST", "/v1/auth/otps/verify", looks_real, carrying).status == 401);
    BOOST_TEST(http_request(port, "POST", "/v1/auth/sessions/verify", json::serialize(carrying),
                            {{"Authorization", "Basic " + moonkey::crypto::base64_encode(looks_real + ":")}})
                   .status
               == 401);
    BOOST_TEST(call("POST", "/v1/auth/sessions/verify", pk, {{"session_jwt", jwt}}).status == 401);
    BOOST_TEST(call("POST", "/v1/auth/sessions/verify", jwt, {{"session_token", token}}).status == 401);
    BOOST_TEST(http_request(port, "GET", "/v1/auth/jwks/default?api_key=" + looks_real).status == 401);
    BOOST_TEST(http_request(port, "POST", "/v1/auth/otps/verify",
                            "{\"otp\":\"" + email_code + "\",\"session_token\":\"" + token + "\"",
                            {{"Authorization", "Bearer " + sk}})
                   .status
               == 400);
    BOOST_TEST(
        call("POST", "/v1/auth/otps/verify", sk, {{"method_id", phone_id}, {"otp", sms_code + "x"}}).status
        == 400);
    BOOST_TEST(call("POST", "/v1/auth/otps/sms/login_or_create", sk, {{"phone_number", sk}}).status == 400);
    BOOST_TEST(call("POST", "/v1/auth/otps/email/login_or_create", sk, {{"email", token}}).status == 400);
    BOOST_TEST(
        call("POST", "/v1/auth/sessions/verify", sk, {{"session_token", 7}, {"session_jwt", jwt}}).status
        == 400);
    BOOST_TEST(http_request(port, "POST", "/v1/auth/sessions/verify", json::serialize(carrying),
                            {{"Authorization", "Bearer " + sk}, {"Content-Type", "text/plain"}})
                   .status
               == 415);
    BOOST_TEST(call("GET", "/v1/auth/" + token + "/" + sk, sk, {}).status == 404);
    // Refusals are stored for replay too; what they say must not repeat a secret sent in the body.
    for (auto const& [field, op] :
         {std::pair{std::string("user_id"), sk}, std::pair{pk, std::string("eq")}}) {
        json::object filter{{"field", field}, {"operator", op}, {"value", token}};
        json::object search{{"filters", json::object{{"operator", "AND"}, {"fields", json::array{filter}}}}};
        auto refused = call("POST", "/v1/auth/users/search", sk, search, new_idempotency_key());
        BOOST_TEST(refused.status == 400, refused.body);
    }
    auto guessed_again = call("POST", "/v1/auth/otps/verify", sk, {{"method_id", phone_id}, {"otp", wrong}},
                              new_idempotency_key());
    BOOST_TEST(guessed_again.status / 100 == 4, guessed_again.body);

    auto removed = call("DELETE", "/v1/auth/sessions/delete", sk, {{"session_token", token}});
    BOOST_TEST(removed.status == 200, removed.body);
    BOOST_TEST(call("DELETE", "/v1/auth/sessions/delete", sk, {{"session_jwt", jwt}}).status == 404);
    BOOST_TEST(call("POST", "/v1/auth/sessions/verify", sk, {{"session_token", token}}).status == 404);
    BOOST_TEST(call("POST", "/v1/auth/sessions/verify", sk, {{"session_jwt", jwt}}).status == 404);

    for (auto const& j : jwts) {
        BOOST_TEST_REQUIRE(std::count(j.begin(), j.end(), '.') == 2);
        secrets.push_back({"session jwt", j});
        secrets.push_back({"session jwt signature", j.substr(j.rfind('.') + 1)});
    }
    secrets.push_back({"session token", token});
    secrets.push_back({"email session token", email_token});
    for (auto const& k : idempotency_keys) secrets.push_back({"idempotency key", k});

    BOOST_TEST(server.stop(SIGTERM) == 0);
    auto dump_file = dir / "dump.sql";
    BOOST_TEST_REQUIRE(dump_database(url, dump_file) == 0,
                       "mariadb-dump failed; see " << dump_file << ".log");
    std::vector<haystack> texts{{"database dump", read_text(dump_file), true},
                                {"moonkeyd output", read_text(log)},
                                {"moonkeyctl stderr", moonkeyctl.stderr_text}};

    // What was searched is the real thing: the rows are in the dump, the requests in the log.
    auto const& dump = texts[0].text;
    auto const& logged = texts[1].text;
    BOOST_TEST(dump.find("INSERT INTO `outbox`") != std::string::npos);
    BOOST_TEST(dump.find("INSERT INTO `sessions`") != std::string::npos);
    BOOST_TEST(dump.find("INSERT INTO `jwt_keys`") != std::string::npos);
    BOOST_TEST(dump.find("INSERT INTO `idempotency_keys`") != std::string::npos);
    BOOST_TEST(dump.find(phone_id) != std::string::npos);
    BOOST_TEST(dump.find(email) != std::string::npos);
    for (auto const* status : {"\"status\":200", "\"status\":400", "\"status\":401", "\"status\":404",
                               "\"status\":415", "\"level\":\"debug\""})
        BOOST_TEST(logged.find(status) != std::string::npos, status << " is not in the log");

    auto found = leaks(texts, secrets);
    for (auto const& f : found) BOOST_TEST_MESSAGE(f);
    BOOST_TEST(found.empty(), found.size() << " secrets found; the files are in " << dir);
}

BOOST_AUTO_TEST_SUITE_END()
