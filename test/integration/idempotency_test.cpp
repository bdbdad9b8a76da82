// Idempotency-Key on POSTs (SPEC §5) against the real server and MariaDB: replays, reuse with another
// request, concurrent duplicates, the 24-hour window, tenancy, and answers that are never stored.

#include "test_server.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/store/mysql/connection.hpp"
#include "moonkey/store/mysql/mysql_idempotency_repository.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ctime>
#include <set>
#include <thread>

using namespace moonkey;
using namespace moonkey::test;

namespace {

constexpr char const* sms_path = "/v1/auth/otps/sms/login_or_create";
constexpr char const* sms_send_path = "/v1/auth/otps/sms/send";
constexpr char const* verify_path = "/v1/auth/otps/verify";
constexpr char const* create_path = "/v1/auth/users/create";

struct fixture {
    test_server server;
    app_keys keys = server.create_app("Idem");

    // POSTs with the test secret key (or `key`) and the Idempotency-Key `idem` (none when empty).
    reply post(std::string const& path, std::string const& body, std::string const& idem,
               std::string const& key = "") {
        std::map<std::string, std::string> headers{{"Authorization", "Bearer " + (key.empty() ? keys.test_secret : key)}};
        if (!idem.empty()) headers["Idempotency-Key"] = idem;
        return server.request("POST", path, body, headers);
    }
};

std::string phone_body(std::string const& phone) { return R"({"phone_number":")" + phone + R"("})"; }

std::string str(reply const& r, char const* key) { return std::string(r.json.at(key).as_string()); }

bool replayed(reply const& r) {
    auto it = r.headers.find("Idempotent-Replayed");
    return it != r.headers.end() && it->second == "true";
}

std::string outbox_count(std::string const& destination) {
    return query_value("SELECT COUNT(*) FROM outbox WHERE destination = '" + destination + "'");
}

std::string fresh_key() { return new_id("idem_"); }

// Runs a statement that returns no rows on the test database.
void execute_sql(std::string const& sql_text) {
    mysql::connection conn(parse_database_url(test_database_url()).value(), std::chrono::seconds(10));
    conn.execute(sql_text);
}

// Writes a 'running' row for `idem` directly, as an instance in the middle of the request would.
void insert_running_row(std::string const& app_id, std::string const& idem, std::string const& path,
                        std::string const& body, std::int64_t locked_until, std::int64_t created_at = 0) {
    auto key_hex = crypto::to_hex(crypto::sha256(idem));
    auto request_hex = crypto::to_hex(crypto::sha256("POST " + path + "\n" + body));
    auto now = std::to_string(created_at ? created_at : std::time(nullptr));
    execute_sql("INSERT INTO idempotency_keys (app_id, environment, key_digest, request_digest, state, status,"
                " created_at, locked_until) VALUES ('" + app_id + "', 'test', UNHEX('" + key_hex + "'), UNHEX('" +
                request_hex + "'), 'running', 0, " + now + ", " + std::to_string(locked_until) + ")");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(idempotency, fixture)

BOOST_AUTO_TEST_CASE(a_retry_gets_the_stored_answer_and_one_message_is_sent) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    auto first = post(sms_path, phone_body(phone), idem);
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    BOOST_TEST(!replayed(first));
    server.code_sent_to(phone, 1);

    auto again = post(sms_path, phone_body(phone), idem);
    BOOST_TEST(again.status == 200);
    BOOST_TEST(again.body == first.body);
    BOOST_TEST(replayed(again));
    BOOST_TEST(outbox_count(phone) == "1");
    BOOST_TEST(server.deliveries_to(phone) == 1u);

    // Without a key the same request runs again.
    auto plain = post(sms_path, phone_body(phone), "");
    BOOST_TEST(plain.status == 200);
    BOOST_TEST(!replayed(plain));
    BOOST_TEST(outbox_count(phone) == "2");
}

BOOST_AUTO_TEST_CASE(the_same_key_with_another_request_is_refused) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    BOOST_TEST_REQUIRE(post(sms_path, phone_body(phone), idem).status == 200);

    auto other_body = post(sms_path, phone_body(unique_phone()), idem);
    BOOST_TEST(other_body.status == 422);
    BOOST_TEST(other_body.error_type() == "idempotency_key_reused");
    BOOST_TEST(str(other_body, "error_message").find("different request") != std::string::npos);
    // The body's bytes count: the same JSON spaced differently is another request.
    auto spaced = post(sms_path, R"({ "phone_number": ")" + phone + R"(" })", idem);
    BOOST_TEST(spaced.error_type() == "idempotency_key_reused");
    auto other_path = post(sms_send_path, phone_body(phone), idem);
    BOOST_TEST(other_path.error_type() == "idempotency_key_reused");
    BOOST_TEST(outbox_count(phone) == "1");
}

BOOST_AUTO_TEST_CASE(twenty_concurrent_duplicates_execute_once_and_answer_alike) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    std::vector<reply> replies(20);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < replies.size(); ++i)
        threads.emplace_back([&, i] { replies[i] = post(sms_path, phone_body(phone), idem); });
    for (auto& t : threads) t.join();
    int fresh = 0;
    for (auto const& r : replies) {
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        BOOST_TEST(r.body == replies.front().body);
        fresh += replayed(r) ? 0 : 1;
    }
    BOOST_TEST(fresh == 1);
    BOOST_TEST(replies.front().json.at("user_created").as_bool());
    BOOST_TEST(query_value("SELECT COUNT(*) FROM phone_numbers WHERE phone_number = '" + phone + "' AND app_id = '" +
                           keys.app_id + "'") == "1");
    BOOST_TEST(outbox_count(phone) == "1");
    server.code_sent_to(phone, 1);
    BOOST_TEST(server.deliveries_to(phone) == 1u);
}

BOOST_AUTO_TEST_CASE(a_4xx_answer_is_replayed) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    auto refused = post(sms_send_path, phone_body(phone), idem);
    BOOST_TEST_REQUIRE(refused.status == 404, refused.body);
    BOOST_TEST(refused.error_type() == "phone_number_not_found");

    // The number exists now, but the key's answer stays the stored one.
    BOOST_TEST_REQUIRE(post(sms_path, phone_body(phone), "").status == 200);
    auto again = post(sms_send_path, phone_body(phone), idem);
    BOOST_TEST(again.status == 404);
    BOOST_TEST(again.body == refused.body);
    BOOST_TEST(replayed(again));
    BOOST_TEST(outbox_count(phone) == "1");
}

BOOST_AUTO_TEST_CASE(a_malformed_key_is_refused) {
    auto phone = unique_phone();
    for (auto const& bad : {std::string(256, 'k'), std::string("has space"), std::string("caf\xc3\xa9")}) {
        auto r = post(sms_path, phone_body(phone), bad);
        BOOST_TEST(r.status == 400, bad);
        BOOST_TEST(r.error_type() == "invalid_request");
        BOOST_TEST(str(r, "error_message").find("Idempotency-Key") != std::string::npos);
    }
    BOOST_TEST(outbox_count(phone) == "0");
    auto longest = post(sms_path, phone_body(phone), std::string(255, 'k') + "");
    BOOST_TEST(longest.status == 200, longest.body);
}

BOOST_AUTO_TEST_CASE(keys_of_another_app_or_environment_do_not_collide) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    auto other = server.create_app("Other");
    std::set<std::string> users;
    for (auto const& key : {keys.test_secret, keys.live_secret, other.test_secret}) {
        auto r = post(sms_path, phone_body(phone), idem, key);
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        BOOST_TEST(!replayed(r));
        BOOST_TEST(r.json.at("user_created").as_bool());
        users.insert(str(r, "user_id"));
    }
    BOOST_TEST(users.size() == 3u);
    BOOST_TEST(outbox_count(phone) == "3");
}

BOOST_AUTO_TEST_CASE(after_24_hours_the_key_executes_again) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    auto first = post(sms_path, phone_body(phone), idem);
    BOOST_TEST_REQUIRE(first.status == 200, first.body);
    server.advance(std::chrono::hours(24) - std::chrono::seconds(5));
    BOOST_TEST(replayed(post(sms_path, phone_body(phone), idem)));

    server.advance(std::chrono::seconds(10));
    auto later = post(sms_path, phone_body(phone), idem);
    BOOST_TEST_REQUIRE(later.status == 200, later.body);
    BOOST_TEST(!replayed(later));
    BOOST_TEST(!later.json.at("user_created").as_bool());
    BOOST_TEST(outbox_count(phone) == "2");
    // The replaced key now answers the new request, and refuses the old one's other bodies as before.
    BOOST_TEST(replayed(post(sms_path, phone_body(phone), idem)));
}

BOOST_AUTO_TEST_CASE(a_conflict_is_not_stored_so_a_retry_executes) {
    auto email = unique_email();
    auto body = R"({"email":")" + email + R"("})";
    BOOST_TEST_REQUIRE(post(create_path, body, "").status == 200);
    auto idem = fresh_key();
    auto conflict = post(create_path, body, idem);
    BOOST_TEST_REQUIRE(conflict.status == 409, conflict.body);
    BOOST_TEST(conflict.error_type() == "duplicate_email");

    auto owner = query_value("SELECT user_id FROM emails WHERE email = '" + email + "'");
    auto removed = server.request("DELETE", "/v1/auth/users/" + owner + "/delete", "",
                                  {{"Authorization", "Bearer " + keys.test_secret}});
    BOOST_TEST_REQUIRE(removed.status == 200, removed.body);
    auto retry = post(create_path, body, idem);
    BOOST_TEST(retry.status == 200, retry.body);
    BOOST_TEST(!replayed(retry));
}

BOOST_AUTO_TEST_CASE(session_credentials_are_never_stored_nor_replayed) {
    auto login = post(sms_path, phone_body("+10000000000"), "");
    BOOST_TEST_REQUIRE(login.status == 200, login.body);
    auto body = R"({"method_id":")" + str(login, "phone_number_id") + R"(","otp":"000000","session_expires_in":60})";
    auto idem = fresh_key();
    auto verified = post(verify_path, body, idem);
    BOOST_TEST_REQUIRE(verified.status == 200, verified.body);
    auto token = str(verified, "session_token");
    auto jwt = str(verified, "session_jwt");

    auto stored = query_value("SELECT response_body FROM idempotency_keys WHERE key_digest = UNHEX('" +
                              crypto::to_hex(crypto::sha256(idem)) + "')");
    BOOST_TEST(stored.find(str(verified, "user_id")) != std::string::npos);
    BOOST_TEST(stored.find(token) == std::string::npos);
    BOOST_TEST(stored.find(jwt) == std::string::npos);

    auto again = post(verify_path, body, idem);
    BOOST_TEST(again.status == 422);
    BOOST_TEST(again.error_type() == "idempotency_key_reused");
    BOOST_TEST(str(again, "error_message").find("session credentials") != std::string::npos);
    BOOST_TEST(again.body.find(token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_request_still_running_elsewhere_is_waited_for_then_refused_with_409) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    insert_running_row(keys.app_id, idem, sms_path, phone_body(phone), std::time(nullptr) + 60);
    auto started = std::chrono::steady_clock::now();
    auto r = post(sms_path, phone_body(phone), idem);
    auto waited = std::chrono::steady_clock::now() - started;
    BOOST_TEST(r.status == 409, r.body);
    BOOST_TEST(r.error_type() == "idempotency_key_in_progress");
    BOOST_TEST(str(r, "error_message").find("still in progress; retry") != std::string::npos);
    BOOST_TEST((waited >= std::chrono::seconds(4)));
    BOOST_TEST(outbox_count(phone) == "0");
}

BOOST_AUTO_TEST_CASE(a_running_key_past_its_lease_is_taken_over) {
    auto phone = unique_phone();
    auto idem = fresh_key();
    insert_running_row(keys.app_id, idem, sms_path, phone_body(phone), std::time(nullptr) - 1);
    // Only a retry of that same request may take it over: its outcome is unknown.
    BOOST_TEST(post(sms_path, phone_body(unique_phone()), idem).error_type() == "idempotency_key_reused");
    auto r = post(sms_path, phone_body(phone), idem);
    BOOST_TEST(r.status == 200, r.body);
    BOOST_TEST(!replayed(r));
    BOOST_TEST(outbox_count(phone) == "1");
    BOOST_TEST(replayed(post(sms_path, phone_body(phone), idem)));
}

BOOST_AUTO_TEST_CASE(the_purge_deletes_only_expired_keys) {
    auto now = static_cast<std::int64_t>(std::time(nullptr));
    auto old_key = fresh_key();
    auto young_key = fresh_key();
    insert_running_row(keys.app_id, old_key, sms_path, "{}", now - 100000, now - 100000);
    insert_running_row(keys.app_id, young_key, sms_path, "{}", now + 60, now - 10);
    auto count_of = [&](std::string const& idem) {
        return query_value("SELECT COUNT(*) FROM idempotency_keys WHERE key_digest = UNHEX('" +
                           crypto::to_hex(crypto::sha256(idem)) + "')");
    };
    BOOST_TEST_REQUIRE(count_of(old_key) == "1");

    mysql::worker_pool pool({parse_database_url(test_database_url()).value(), 1, std::chrono::seconds(5), 8});
    mysql::mysql_idempotency_repository store(pool);
    boost::asio::io_context io;
    auto purged = boost::asio::co_spawn(io, store.purge(now - 24 * 60 * 60, 1000), boost::asio::use_future);
    io.run();
    auto result = purged.get();
    pool.stop();
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(*result >= 1u);
    BOOST_TEST(count_of(old_key) == "0");
    BOOST_TEST(count_of(young_key) == "1");
}

BOOST_AUTO_TEST_SUITE_END()
