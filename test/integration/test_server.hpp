#pragma once
// An in-process moonkeyd on a free port, on the test database, with a small HTTP client.

#include "moonkey/core/server.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace moonkey::test {

struct app_keys {
    std::string app_id;
    std::string test_secret, test_public, live_secret, live_public;
};

struct reply {
    int status = 0;
    boost::json::value json;
    std::map<std::string, std::string> headers;
    std::string body;

    // Returns body["error_type"], or "" when there is none.
    std::string error_type() const;
};


// Sends one HTTP/1.1 request to 127.0.0.1:`port` and returns the answer (bounded by 20 s).
reply http_request(std::uint16_t port, std::string const& method, std::string const& target,
                   std::string const& body = "", std::map<std::string, std::string> const& headers = {});

// The abuse limits of a test app: off, so that tests may send to one destination many times, or
// the defaults of SPEC §5, for the tests of the limits themselves.
enum class app_limits { off, defaults };

// Creates an app with test and live keys directly in the test database.
app_keys create_test_app(std::string const& name = "Test App", app_limits limits = app_limits::off);

// Returns the server secret every test server and test process uses (one set of JWT keys).
inline std::string test_secret() { return "test-secret-test-secret-test-secret-0123456789"; }

// Returns the test database URL (MK_TEST_DATABASE_URL); fails the test when it is not set.
std::string test_database_url();

// Runs a statement on the test database and returns the first column of the first row as text
// ("" when there is no row).
std::string query_value(std::string const& sql_text);

// Returns a job that holds one of `pool`'s connections for `seconds` (DO SLEEP), so that the jobs
// submitted meanwhile wait in its queue. It is submitted when the awaitable starts.
boost::asio::awaitable<outcome<void>> hold_connection(mysql::worker_pool& pool, double seconds);

// An io_context running on its own thread, to run pool and repository calls from a test's thread
// (boost::asio::co_spawn(t.io, …, boost::asio::use_future)).
struct io_thread {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work = boost::asio::make_work_guard(io);
    std::thread thread{[this] { io.run(); }};
    ~io_thread() {
        work.reset();
        thread.join();
    }
    // Starts hold_connection(pool, seconds) here; returns its future outcome.
    std::future<outcome<void>> hold(mysql::worker_pool& pool, double seconds);
};

// Waits (up to 5 s) until a worker of `pool` runs a job, e.g. the one io_thread::hold started.
void wait_until_busy(mysql::worker_pool const& pool);

class test_server {
public:
    explicit test_server(unsigned threads = 2);
    // A server whose configuration `adjust` changes first (limits, timeouts) before it starts.
    explicit test_server(std::function<void(config&)> const& adjust, unsigned threads = 2);
    ~test_server();

    // Creates an app with test and live keys in the test database.
    app_keys create_app(std::string const& name = "Test App", app_limits limits = app_limits::off);

    // Sets an app setting as `moonkeyctl app set` does; returns false when refused.
    bool set_app_setting(std::string const& app_id, std::string const& key, std::string const& value);

    // Sends a request and returns the answer. `key` goes in `Authorization: Bearer`.
    reply request(std::string const& method, std::string const& target, std::string const& body = "",
                  std::map<std::string, std::string> const& headers = {});
    reply post(std::string const& target, std::string const& key, std::string const& body);
    reply get(std::string const& target);

    std::uint16_t port() const { return port_; }

    // The pool that runs login_or_create batches (to load it from a test).
    mysql::worker_pool& batch_pool() { return *batch_pool_; }

    // Moves the server's clock forward.
    void advance(std::chrono::seconds by) { offset_ += by.count(); }

    // Returns the code of the `nth` console delivery to `destination` (1 = the first), waiting for it
    // at most 10 s.
    std::string code_sent_to(std::string const& destination, std::size_t nth = 1);

    // Returns how many console deliveries went to `destination` so far.
    std::size_t deliveries_to(std::string const& destination);

private:
    std::atomic<std::int64_t> offset_{0};
    std::unique_ptr<mysql::worker_pool> pool_;
    std::unique_ptr<mysql::worker_pool> batch_pool_;
    std::unique_ptr<mysql::mysql_repository> repo_;
    std::unique_ptr<server> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
};

// Returns a phone number not used before in this process run (+1 415 55x xxxx, valid in the US).
std::string unique_phone();

// Returns the number `prefix` followed by `i` (0..9999) as four digits: "+1312555" and 7 make
// "+13125550007", consecutive numbers in one prefix.
std::string phone_in_prefix(std::string const& prefix, int i);

// Returns an email address not used before.
std::string unique_email();

}  // namespace moonkey::test
