// Abuse limits (SPEC §5) through the real server and MariaDB: each limit lets its count through,
// refuses the next one with 429 and a Retry-After that is right, and reaches no provider.

#include "test_server.hpp"

#include "moonkey/core/database_url.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

using namespace moonkey::test;

namespace {

constexpr char const* sms_path = "/v1/auth/otps/sms/login_or_create";
constexpr char const* email_path = "/v1/auth/otps/email/login_or_create";
constexpr char const* verify_path = "/v1/auth/otps/verify";

std::string phone_body(std::string const& phone, std::string const& ip = "") {
    std::string body = R"({"phone_number":")" + phone + '"';
    if (!ip.empty()) body += R"(,"device_fingerprint":{"ip":")" + ip + R"("})";
    return body + "}";
}

// One core, as a single instance would be deployed on a small machine.
struct fixture {
    test_server server{1};
    app_keys keys = server.create_app("Limits", app_limits::defaults);

    reply sms(std::string const& phone, std::string const& ip = "", std::string const& key = "") {
        return server.post(sms_path, key.empty() ? keys.test_secret : key, phone_body(phone, ip));
    }

    // Returns after every message of the app committed so far has been handed to the console
    // provider: a row is marked sent only after its send.
    void flush_deliveries() {
        auto pending = "SELECT COUNT(*) FROM outbox WHERE app_id = '" + keys.app_id + "' AND state = 'pending'";
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (query_value(pending) != "0" && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        BOOST_TEST_REQUIRE(query_value(pending) == "0", "messages still pending after 10 s");
    }

    void expect_refused(reply const& r, int min_wait, int max_wait) {
        BOOST_TEST_REQUIRE(r.status == 429, r.body);
        BOOST_TEST(r.error_type() == "too_many_requests");
        BOOST_TEST_REQUIRE(r.headers.count("Retry-After") == 1u);
        auto wait = std::stoi(r.headers.at("Retry-After"));
        BOOST_TEST(wait >= min_wait);
        BOOST_TEST(wait <= max_wait);
    }
};

// Runs the repository's purge of stale limit counters as of `now`; returns how many rows went.
std::size_t purge_counters(std::int64_t now) {
    namespace asio = boost::asio;
    auto url = moonkey::parse_database_url(test_database_url()).value();
    moonkey::mysql::worker_pool pool({url, 1, std::chrono::seconds(10), 16});
    moonkey::mysql::mysql_repository repo(pool);
    asio::io_context io;
    auto done = asio::co_spawn(io, repo.purge_limit_counters(now, 100000), asio::use_future);
    io.run();
    auto purged = done.get();
    pool.stop();
    BOOST_REQUIRE(purged.has_value());
    return *purged;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(rate_limits, fixture)

BOOST_AUTO_TEST_CASE(one_code_per_destination_every_30_seconds) {
    auto phone = unique_phone();
    BOOST_TEST_REQUIRE(sms(phone).status == 200);
    auto again = sms(phone);
    expect_refused(again, 29, 30);
    BOOST_TEST(again.json.at("error_message").as_string().find("1 per 30 seconds") != std::string::npos, again.body);
    flush_deliveries();
    BOOST_TEST(server.deliveries_to(phone) == 1u);

    server.advance(std::chrono::seconds(30));
    BOOST_TEST(sms(phone).status == 200);
    server.code_sent_to(phone, 2);
}

BOOST_AUTO_TEST_CASE(five_codes_per_destination_in_any_ten_minutes) {
    auto phone = unique_phone();
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST_REQUIRE(sms(phone).status == 200, "send " << i + 1);
        server.code_sent_to(phone, i + 1);  // delivered before the clock moves on
        server.advance(std::chrono::seconds(31));
    }
    // 155 s after the first send: the first leaves the 10-minute window 445 s from now.
    auto sixth = sms(phone);
    expect_refused(sixth, 444, 446);
    flush_deliveries();
    BOOST_TEST(server.deliveries_to(phone) == 5u);
    server.advance(std::chrono::seconds(std::stoi(sixth.headers.at("Retry-After"))));
    BOOST_TEST(sms(phone).status == 200);
}

BOOST_AUTO_TEST_CASE(a_refused_send_creates_nothing) {
    BOOST_TEST_REQUIRE(server.set_app_setting(keys.app_id, "limit_prefix", "1/1h"));
    auto first = unique_phone();
    BOOST_TEST_REQUIRE(sms(first).status == 200);
    auto neighbour = first.substr(0, first.size() - 4) + (first.substr(first.size() - 4) == "9999" ? "9998" : "9999");
    expect_refused(sms(neighbour), 3599, 3600);
    BOOST_TEST(query_value("SELECT COUNT(*) FROM phone_numbers WHERE app_id = '" + keys.app_id +
                           "' AND phone_number = '" + neighbour + "'") == "0");
    BOOST_TEST(query_value("SELECT COUNT(*) FROM outbox WHERE app_id = '" + keys.app_id + "'") == "1");
}

BOOST_AUTO_TEST_CASE(thirty_sends_per_address_in_five_minutes) {
    std::string ip = "198.51.100.23";
    std::vector<std::string> phones;
    for (int i = 0; i < 30; ++i) {
        phones.push_back(unique_phone());
    }
    // Spread over prefixes so that the prefix limit (50/h) stays out of the way.
    BOOST_TEST_REQUIRE(server.set_app_setting(keys.app_id, "limit_prefix", "off"));
    for (auto const& phone : phones) BOOST_TEST_REQUIRE(sms(phone, ip).status == 200);
    auto over = unique_phone();
    expect_refused(sms(over, ip), 299, 300);
    BOOST_TEST(sms(over, "198.51.100.24").status == 200);  // another address is not affected
    flush_deliveries();
    BOOST_TEST(server.deliveries_to(over) == 1u);
}

BOOST_AUTO_TEST_CASE(thirty_verifies_per_address_in_five_minutes) {
    std::vector<std::string> methods;
    for (int i = 0; i < 7; ++i) {
        auto sent = sms(unique_phone());
        BOOST_TEST_REQUIRE(sent.status == 200, sent.body);
        methods.emplace_back(sent.json.at("phone_number_id").as_string());
    }
    auto verify = [&](std::string const& method_id, std::string const& ip) {
        return server.post(verify_path, keys.test_secret,
                           R"({"method_id":")" + method_id + R"(","otp":"000001","device_fingerprint":{"ip":")" + ip +
                               R"("}})");
    };
    // Guessing codes across methods: 5 wrong tries on each of 6 methods are 30 verifies.
    for (int m = 0; m < 6; ++m)
        for (int i = 0; i < 5; ++i) {
            auto r = verify(methods[m], "203.0.113.50");
            BOOST_TEST_REQUIRE(r.error_type() == "invalid_otp", "method " << m << " try " << i + 1 << ": " << r.body);
        }
    expect_refused(verify(methods[6], "203.0.113.50"), 299, 300);
    BOOST_TEST(verify(methods[6], "203.0.113.51").error_type() == "invalid_otp");
}

BOOST_AUTO_TEST_CASE(a_burst_to_one_prefix_reaches_the_provider_at_most_50_times) {
    // +1 312 555 0000..0999: a prefix of its own (unique_phone() uses +1 650 2xx xxxx), so that no
    // other test's delivery to one of these numbers is counted here.
    std::string prefix = "+1312555";
    std::atomic<int> next{0}, accepted{0}, refused{0}, other{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 16; ++t) {
        clients.emplace_back([&] {
            for (int i = next++; i < 1000; i = next++) {
                auto r = sms(phone_in_prefix(prefix, i));
                (r.status == 200 ? accepted : r.status == 429 ? refused : other)++;
            }
        });
    }
    for (auto& c : clients) c.join();
    BOOST_TEST(accepted.load() == 50);
    BOOST_TEST(refused.load() == 950);
    BOOST_TEST(other.load() == 0);
    flush_deliveries();
    std::size_t delivered = 0;
    for (int i = 0; i < 1000; ++i) delivered += server.deliveries_to(phone_in_prefix(prefix, i));
    BOOST_TEST(delivered == 50u);
}

BOOST_AUTO_TEST_CASE(the_daily_sms_cap_of_an_environment) {
    BOOST_TEST_REQUIRE(server.set_app_setting(keys.app_id, "limit_daily_sms", "3/1d"));
    for (int i = 0; i < 3; ++i) BOOST_TEST_REQUIRE(sms(unique_phone()).status == 200);
    auto over = sms(unique_phone());
    BOOST_TEST_REQUIRE(over.status == 429, over.body);
    auto to_midnight = 86400 - unix_now() % 86400;
    auto wait = std::stoi(over.headers.at("Retry-After"));
    BOOST_TEST(std::abs(wait - to_midnight) <= 2);
    BOOST_TEST(over.json.at("error_message").as_string().find("limit_daily_sms") != std::string::npos);
    // Email is not SMS, and the live environment has its own count.
    BOOST_TEST(server.post(email_path, keys.test_secret, R"({"email":")" + unique_email() + R"("})").status == 200);
    BOOST_TEST(sms(unique_phone(), "", keys.live_secret).status == 200);
}

BOOST_AUTO_TEST_CASE(public_tokens_get_half_the_limit_on_the_client_address) {
    BOOST_TEST_REQUIRE(server.set_app_setting(keys.app_id, "limit_ip_send", "4/5m"));
    // The fingerprint a browser sends could be anything: public-token calls count the client address.
    for (int i = 0; i < 2; ++i)
        BOOST_TEST_REQUIRE(sms(unique_phone(), "192.0.2." + std::to_string(i), keys.test_public).status == 200);
    expect_refused(sms(unique_phone(), "192.0.2.99", keys.test_public), 299, 300);
    // An X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
    auto forwarded = server.request("POST", sms_path, phone_body(unique_phone()),
                                    {{"Authorization", "Bearer " + keys.test_public}, {"X-Forwarded-For", "192.0.2.77"}});
    BOOST_TEST(forwarded.status == 429);
    // A secret key's calls count the fingerprint's address (the backend passes its user's).
    BOOST_TEST(sms(unique_phone(), "192.0.2.99").status == 200);
}

BOOST_AUTO_TEST_CASE(behind_a_trusted_proxy_the_forwarded_client_is_counted) {
    test_server proxied([](moonkey::config& cfg) { cfg.proxies = moonkey::trusted_proxies::parse("127.0.0.1").value(); }, 1);
    auto app = proxied.create_app("Proxied", app_limits::defaults);
    BOOST_TEST_REQUIRE(proxied.set_app_setting(app.app_id, "limit_ip_send", "2/5m"));  // public tokens: 1
    auto from = [&](std::string const& client) {
        return proxied.request("POST", sms_path, phone_body(unique_phone()),
                               {{"Authorization", "Bearer " + app.test_public}, {"X-Forwarded-For", client}});
    };
    BOOST_TEST(from("192.0.2.1").status == 200);
    BOOST_TEST(from("192.0.2.1").status == 429);
    BOOST_TEST(from("6.6.6.6, 192.0.2.2").status == 200);  // the right-most hop is the client
}

BOOST_AUTO_TEST_CASE(counters_are_purged_once_their_longest_window_has_passed) {
    BOOST_TEST_REQUIRE(sms(unique_phone(), "198.51.100.80").status == 200);
    auto counted = [] { return std::stoll(query_value("SELECT COUNT(*) FROM rate_limits")); };
    auto before = counted();
    BOOST_TEST_REQUIRE(before >= 3);  // destination, address, prefix
    purge_counters(unix_now());       // nothing recent goes
    BOOST_TEST(counted() >= 3);
    purge_counters(unix_now() + 2 * 86400);  // past the 1-day window of the destination limit
    BOOST_TEST(counted() == 0);
    BOOST_TEST(query_value("SELECT COUNT(*) FROM daily_counters WHERE expires_at < " +
                           std::to_string(unix_now() + 2 * 86400)) == "0");
}

BOOST_AUTO_TEST_CASE(refusals_are_counted_on_the_metrics_page) {
    auto phone = unique_phone();
    BOOST_TEST_REQUIRE(sms(phone).status == 200);
    BOOST_TEST_REQUIRE(sms(phone).status == 429);
    auto page = server.get("/metrics");
    BOOST_TEST(page.body.find("moonkey_rate_limited_total{limit=\"destination\"} 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(countries_and_number_types_outside_the_allow_list_are_refused) {
    auto gb = sms("+447400123456");
    BOOST_TEST_REQUIRE(gb.status == 400, gb.body);
    BOOST_TEST(gb.error_type() == "unsupported_phone_number");
    BOOST_TEST(gb.json.at("error_message").as_string().find("sms_allowed_countries US,CA,GB") != std::string::npos);
    auto premium = sms("+19005550123");
    BOOST_TEST(premium.error_type() == "unsupported_phone_number");
    BOOST_TEST(premium.json.at("error_message").as_string().find("premium_rate") != std::string::npos);
    BOOST_TEST(sms("+18005550199").error_type() == "unsupported_phone_number");  // toll-free
    BOOST_TEST(query_value("SELECT COUNT(*) FROM outbox WHERE app_id = '" + keys.app_id + "'") == "0");
    BOOST_TEST(sms("+10000000000").status == 200);  // the sandbox number sends nothing

    // The settings are read with the key, which every instance caches for up to 5 s.
    test_server other(1);
    auto open = other.create_app("Open", app_limits::defaults);
    BOOST_TEST_REQUIRE(other.set_app_setting(open.app_id, "sms_allowed_countries", "US,CA,GB"));
    BOOST_TEST(other.post(sms_path, open.test_secret, phone_body("+447400123456")).status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
