#include "test_server.hpp"

#include "moonkey/core/database_url.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/domain/api_key.hpp"
#include "moonkey/domain/app_settings.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/store/mysql/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <random>

namespace moonkey::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string reply::error_type() const {
    if (!json.is_object()) return "";
    auto const* t = json.as_object().if_contains("error_type");
    return t && t->is_string() ? std::string(t->as_string()) : "";
}

reply http_request(std::uint16_t port, std::string const& method, std::string const& target,
                   std::string const& body, std::map<std::string, std::string> const& headers) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(20));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
    for (auto const& [name, value] : headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(10 * 1024 * 1024);
    bhttp::read(stream, buffer, parser);
    auto res = parser.release();
    reply out;
    out.status = res.result_int();
    out.body = res.body();
    for (auto const& field : res) out.headers[std::string(field.name_string())] = std::string(field.value());
    boost::system::error_code ec;
    out.json = boost::json::parse(out.body, ec);
    return out;
}

app_keys create_test_app(std::string const& name, app_limits limits) {
    app_keys keys;
    keys.app_id = new_id("app_");
    keys.test_secret = generate_api_key(key_kind::secret, environment::test);
    keys.test_public = generate_api_key(key_kind::public_token, environment::test);
    keys.live_secret = generate_api_key(key_kind::secret, environment::live);
    keys.live_public = generate_api_key(key_kind::public_token, environment::live);
    std::vector<new_app_key> records;
    auto add = [&](std::string const& key, environment env, key_kind kind) {
        records.push_back(new_app_key_for(key, env, kind));
    };
    add(keys.test_secret, environment::test, key_kind::secret);
    add(keys.test_public, environment::test, key_kind::public_token);
    add(keys.live_secret, environment::live, key_kind::secret);
    add(keys.live_public, environment::live, key_kind::public_token);
    auto url = parse_database_url(test_database_url()).value();
    mysql::worker_pool pool({url, 1, std::chrono::seconds(10), 16});
    mysql::mysql_repository repo(pool);
    asio::io_context io;
    auto done = asio::co_spawn(io, repo.create_app(keys.app_id, name, std::move(records), 1700000000),
                               asio::use_future);
    io.run();
    auto created = done.get();
    BOOST_REQUIRE_MESSAGE(created.has_value(), "could not create the test app");
    if (limits == app_limits::off) {
        auto unlimited = [](std::string const& current) -> outcome<std::string> {
            std::string settings = current;
            for (auto key : {"limit_destination", "limit_ip_send", "limit_ip_verify", "limit_prefix", "limit_daily_sms"}) {
                auto changed = moonkey::set_app_setting(settings, key, "off", std::nullopt);
                if (!changed) return changed.error();
                settings = std::move(*changed);
            }
            return settings;
        };
        io.restart();
        auto set = asio::co_spawn(io, repo.update_app_settings(keys.app_id, unlimited), asio::use_future);
        io.run();
        BOOST_REQUIRE_MESSAGE(set.get().has_value(), "could not turn the test app's limits off");
    }
    pool.stop();
    return keys;
}

std::string test_database_url() {
    char const* url = std::getenv("MK_TEST_DATABASE_URL");
    if (!url || !*url) BOOST_FAIL("MK_TEST_DATABASE_URL is not set: run the tests with tools/test");
    return url;
}

boost::asio::awaitable<outcome<void>> hold_connection(mysql::worker_pool& pool, double seconds) {
    return pool.run<void>([seconds](mysql::connection& conn) -> outcome<void> {
        conn.execute("DO SLEEP(" + std::to_string(seconds) + ")");
        return {};
    });
}

std::future<outcome<void>> io_thread::hold(mysql::worker_pool& pool, double seconds) {
    return boost::asio::co_spawn(io, hold_connection(pool, seconds), boost::asio::use_future);
}

void wait_until_busy(mysql::worker_pool const& pool) {
    for (auto const until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
         pool.busy() == 0 && std::chrono::steady_clock::now() < until;)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::string query_value(std::string const& sql_text) {
    auto url = parse_database_url(test_database_url()).value();
    mysql::connection conn(url, std::chrono::seconds(10));
    std::unique_ptr<sql::Statement> statement(conn.raw().createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(sql_text));
    if (!rows->next()) return "";
    return rows->getString(1);
}

namespace {

// The console delivery lines of every test server in this process, by destination.
struct delivery_log {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::string, std::vector<std::string>> codes;
};

delivery_log& deliveries() {
    static delivery_log log;
    return log;
}

void capture_line(std::string_view line) {
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (ec || !value.is_object()) return;
    auto const& o = value.as_object();
    auto const* msg = o.if_contains("msg");
    if (!msg || !msg->is_string() || msg->as_string() != "delivery") {
        std::fprintf(stdout, "%.*s\n", static_cast<int>(line.size()), line.data());
        return;
    }
    auto& d = deliveries();
    std::lock_guard lock(d.mutex);
    d.codes[std::string(o.at("to").as_string())].emplace_back(o.at("code").as_string());
    d.changed.notify_all();
}

}  // namespace

std::string test_server::code_sent_to(std::string const& destination, std::size_t nth) {
    auto& d = deliveries();
    std::unique_lock lock(d.mutex);
    bool arrived =
        d.changed.wait_for(lock, std::chrono::seconds(10), [&] { return d.codes[destination].size() >= nth; });
    BOOST_REQUIRE_MESSAGE(arrived, "delivery " << nth << " to " << destination << " did not arrive");
    return d.codes[destination][nth - 1];
}

std::size_t test_server::deliveries_to(std::string const& destination) {
    auto& d = deliveries();
    std::lock_guard lock(d.mutex);
    return d.codes[destination].size();
}

test_server::test_server(unsigned threads) : test_server([](config&) {}, threads) {}

test_server::test_server(std::function<void(config&)> const& adjust, unsigned threads) {
    log::set_level("warn");
    log::set_sink(capture_line);
    config cfg;
    cfg.listen_host = "127.0.0.1";
    cfg.listen_port = 0;
    cfg.threads = threads;
    cfg.database_url = test_database_url();
    cfg.db_timeout = std::chrono::milliseconds(2000);
    cfg.secret = test_secret();
    cfg.access_log = false;
    cfg.read_timeout = std::chrono::seconds(2);  // short, so that the deadline tests are quick
    // No shedding on loop lag: on a test machine busy with parallel suites a loop can wait 10 ms for a
    // CPU, and a test's request must not get a 503 for that (loop_lag_test covers the shedding).
    cfg.loop_lag_target = std::chrono::milliseconds(0);
    adjust(cfg);
    auto url = parse_database_url(cfg.database_url).value();
    pool_ = std::make_unique<mysql::worker_pool>(
        mysql::worker_pool::options{url, 8, cfg.db_timeout, 1024, cfg.db_queue_max_wait});
    batch_pool_ = std::make_unique<mysql::worker_pool>(
        mysql::worker_pool::options{url, cfg.db_batch_workers, cfg.db_timeout, 1024, cfg.db_queue_max_wait,
                                    cfg.db_batch_limit, cfg.db_batch_spare_after});
    repo_ = std::make_unique<mysql::mysql_repository>(*pool_, *batch_pool_);
    auto clock = [this] { return system_unix_clock()() + offset_.load(); };
    server_ = std::make_unique<server>(cfg, *repo_, clock);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
}

test_server::~test_server() {
    server_->stop();
    thread_.join();
    batch_pool_->stop();
    pool_->stop();
}

app_keys test_server::create_app(std::string const& name, app_limits limits) {
    return create_test_app(name, limits);
}

bool test_server::set_app_setting(std::string const& app_id, std::string const& key, std::string const& value) {
    asio::io_context io;
    auto change = [=](std::string const& current) { return moonkey::set_app_setting(current, key, value, std::nullopt); };
    auto done = asio::co_spawn(io, repo_->update_app_settings(app_id, change), asio::use_future);
    io.run();
    return done.get().has_value();
}

reply test_server::request(std::string const& method, std::string const& target, std::string const& body,
                           std::map<std::string, std::string> const& headers) {
    return http_request(port_, method, target, body, headers);
}

reply test_server::post(std::string const& target, std::string const& key, std::string const& body) {
    std::map<std::string, std::string> headers;
    if (!key.empty()) headers["Authorization"] = "Bearer " + key;
    return request("POST", target, body, headers);
}

reply test_server::get(std::string const& target) { return request("GET", target); }

std::string unique_phone() {
    static std::atomic<unsigned> counter{0};
    static unsigned const base = std::random_device{}() % 9000;
    unsigned n = (base * 1000 + counter++) % 10000000;
    char digits[16];
    std::snprintf(digits, sizeof digits, "%07u", n);
    // +1 650 2xx xxxx: a valid US (California) fixed-line-or-mobile range.
    return std::string("+1650") + "2" + std::string(digits + 1);
}

std::string phone_in_prefix(std::string const& prefix, int i) {
    auto digits = std::to_string(i % 10000);
    return prefix + std::string(4 - digits.size(), '0') + digits;
}

std::string unique_email() {
    static std::atomic<unsigned> counter{0};
    std::string local = "user" + new_id("").substr(10) + std::to_string(counter++);
    for (auto& c : local) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return local + "@example.com";
}

}  // namespace moonkey::test
