// bench_db_ceiling: the database ceiling for bench/run. Runs the server's SMS login_or_create
// transaction for new users (lib/src/store/mysql/mysql_repository.cpp) straight against MariaDB,
// from N threads with one connection each, for a fixed time, and prints one JSON object:
//   {"threads", "seconds", "transactions", "transactions_per_s", "p50_ms", "p99_ms", "p999_ms",
//    "max_ms", "errors", "reconnects", "users_created", "cpu_pct", "rss_peak_kb"}
// Same statements, same prepared-statement cache (moonkey::mysql::connection), same READ COMMITTED
// session, same retry rule (moonkey::mysql::in_transaction); no HTTP, no JSON, no delivery.
//
//   bench_db_ceiling --database_url URL --app_id APP [--threads 32] [--seconds 15]
//                    [--area 303] [--environment test]
// Phone numbers are +1 AREA 2xx xxxx, unique per run (thread t uses t, t+N, t+2N, ...).

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/domain/otp_code.hpp"
#include "moonkey/store/mysql/connection.hpp"
#include "moonkey/store/mysql/row_codec.hpp"
#include "moonkey/store/mysql/transaction.hpp"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

namespace {
using namespace moonkey;
using steady = std::chrono::steady_clock;

struct options {
    std::string database_url;
    std::string app_id;
    std::string environment = "test";
    std::string area = "303";
    unsigned threads = 32;
    double seconds = 15;
};

struct thread_result {
    std::vector<std::uint32_t> latencies_us;
    std::uint64_t errors = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t created = 0;
    std::string first_error;
};

// The server's secret only shapes the stored bytes; any 32+ bytes do.
constexpr std::string_view secret = "bench-db-ceiling-secret-0123456789abcdef";

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// One login_or_create for `phone`: the statements of mysql_repository::login_or_create for
// channel::sms with create_if_missing and queue_message set. Returns true when the user was created.
bool login_or_create(mysql::connection& conn, options const& o, std::string const& phone) {
    auto now = unix_now();
    auto new_user_id = new_id("user_", now);
    auto new_method_id = new_id("pn_", now);
    auto message_id = new_id("msg_", now);
    auto code = generate_otp_code();
    auto sealed = crypto::seal(secret, code);
    auto expires_at = now + 60;
    auto lease_until = now + 30;

    auto done = mysql::in_transaction(conn, [&]() -> outcome<bool> {
        std::string method_id, user_id;
        bool created = false;
        auto& find = conn.prepare(
            "SELECT m.id, m.user_id, u.status FROM phone_numbers m JOIN users u ON u.id = m.user_id"
            " WHERE m.app_id = ? AND m.environment = ? AND m.phone_number = ?");
        find.setString(1, o.app_id);
        find.setString(2, o.environment);
        find.setString(3, phone);
        std::unique_ptr<sql::ResultSet> rows(find.executeQuery());
        if (rows->next()) {
            method_id = rows->getString(1);
            user_id = rows->getString(2);
        } else {
            auto& user = conn.prepare(
                "INSERT INTO users (id, app_id, environment, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
            user.setString(1, new_user_id);
            user.setString(2, o.app_id);
            user.setString(3, o.environment);
            user.setString(4, "active");
            user.setInt64(5, now);
            user.setInt64(6, now);
            user.executeUpdate();
            auto& method = conn.prepare(
                "INSERT INTO phone_numbers (id, user_id, app_id, environment, phone_number, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)");
            method.setString(1, new_method_id);
            method.setString(2, new_user_id);
            method.setString(3, o.app_id);
            method.setString(4, o.environment);
            method.setString(5, phone);
            method.setInt64(6, now);
            method.setInt64(7, now);
            method.executeUpdate();
            method_id = new_method_id;
            user_id = new_user_id;
            created = true;
        }

        auto& upsert = conn.prepare(
            "INSERT INTO otps (method_id, method_type, user_id, app_id, environment, code_digest, expires_at,"
            " failed_attempts, used_at, fingerprint_ip, fingerprint_user_agent, created_at)"
            " VALUES (?, ?, ?, ?, ?, UNHEX(?), ?, 0, NULL, ?, ?, ?)"
            " ON DUPLICATE KEY UPDATE code_digest = VALUES(code_digest), expires_at = VALUES(expires_at),"
            " failed_attempts = 0, used_at = NULL, fingerprint_ip = VALUES(fingerprint_ip),"
            " fingerprint_user_agent = VALUES(fingerprint_user_agent), created_at = VALUES(created_at)");
        upsert.setString(1, method_id);
        upsert.setString(2, "phone_number");
        upsert.setString(3, user_id);
        upsert.setString(4, o.app_id);
        upsert.setString(5, o.environment);
        upsert.setString(6, mysql::hex(otp_code_digest(secret, method_id, code)));
        upsert.setInt64(7, expires_at);
        upsert.setString(8, "");
        upsert.setString(9, "");
        upsert.setInt64(10, now);
        upsert.executeUpdate();

        auto& insert = conn.prepare(
            "INSERT INTO outbox (id, app_id, environment, channel, destination, sealed_code, locale, expires_at,"
            " lease_until, created_at) VALUES (?, ?, ?, ?, ?, UNHEX(?), ?, ?, ?, ?)");
        insert.setString(1, message_id);
        insert.setString(2, o.app_id);
        insert.setString(3, o.environment);
        insert.setString(4, "sms");
        insert.setString(5, phone);
        insert.setString(6, mysql::hex(sealed));
        insert.setString(7, "en");
        insert.setInt64(8, expires_at);
        insert.setInt64(9, lease_until);
        insert.setInt64(10, now);
        insert.executeUpdate();
        return created;
    });
    return done.value();
}

std::string phone_number(std::string const& area, std::uint64_t index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "+1%s%07llu", area.c_str(), 2000000ULL + index % 1000000ULL);
    return buf;
}

double percentile_ms(std::vector<std::uint32_t> const& sorted, double p) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(rank, sorted.size() - 1)] / 1000.0;
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long rss_peak_kb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

int usage() {
    std::cerr << "usage: bench_db_ceiling --database_url URL --app_id APP [--threads N] [--seconds S]"
                 " [--area 303] [--environment test|live]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    if (argc % 2 == 0) return usage();
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i], value = argv[i + 1];
        if (key == "--database_url") o.database_url = value;
        else if (key == "--app_id") o.app_id = value;
        else if (key == "--threads") o.threads = static_cast<unsigned>(std::max(1, std::atoi(value.c_str())));
        else if (key == "--seconds") o.seconds = std::max(0.1, std::atof(value.c_str()));
        else if (key == "--area") o.area = value;
        else if (key == "--environment") o.environment = value;
        else return usage();
    }
    if (o.database_url.empty() || o.app_id.empty()) return usage();
    auto url = parse_database_url(o.database_url);
    if (!url) {
        std::cerr << "bench_db_ceiling: " << url.error().message << "\n";
        return 2;
    }

    std::vector<thread_result> results(o.threads);
    std::atomic<bool> stop{false};
    std::atomic<unsigned> failed_connects{0};
    std::barrier ready(static_cast<std::ptrdiff_t>(o.threads) + 1);
    std::vector<std::thread> threads;
    auto const deadline = std::chrono::milliseconds(3000);  // moonkeyd's default db_timeout

    for (unsigned t = 0; t < o.threads; ++t) {
        threads.emplace_back([&, t] {
            mysql::thread_init();
            auto& r = results[t];
            r.latencies_us.reserve(1 << 16);
            std::optional<mysql::connection> conn;
            try {
                conn.emplace(*url, deadline);
            } catch (std::exception const& e) {
                ++failed_connects;
                r.first_error = std::string("connect: ") + e.what();
            }
            ready.arrive_and_wait();  // every thread connected (or failed): start together
            std::uint64_t index = t;
            while (conn && !stop.load(std::memory_order_relaxed)) {
                auto phone = phone_number(o.area, index);
                index += o.threads;
                auto started = steady::now();
                try {
                    if (login_or_create(*conn, o, phone)) ++r.created;
                    auto us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started);
                    r.latencies_us.push_back(static_cast<std::uint32_t>(us.count()));
                } catch (std::exception const& e) {
                    ++r.errors;
                    if (r.first_error.empty()) r.first_error = e.what();
                    auto const* sql_error = dynamic_cast<sql::SQLException const*>(&e);
                    if (sql_error && mysql::is_connection_lost(sql_error->getErrorCode())) {
                        conn.reset();
                        try {
                            conn.emplace(*url, deadline);
                            ++r.reconnects;
                        } catch (std::exception const&) {
                            std::this_thread::sleep_for(std::chrono::milliseconds(100));
                        }
                    }
                }
            }
            conn.reset();
            mysql::thread_end();
        });
    }

    ready.arrive_and_wait();
    auto cpu_before = cpu_seconds();
    auto started = steady::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    stop = true;
    for (auto& thread : threads) thread.join();
    double elapsed = std::chrono::duration<double>(steady::now() - started).count();
    double cpu = cpu_seconds() - cpu_before;

    std::vector<std::uint32_t> all;
    std::uint64_t errors = 0, reconnects = 0, created = 0;
    std::string first_error;
    for (auto& r : results) {
        all.insert(all.end(), r.latencies_us.begin(), r.latencies_us.end());
        errors += r.errors;
        reconnects += r.reconnects;
        created += r.created;
        if (first_error.empty()) first_error = r.first_error;
    }
    std::sort(all.begin(), all.end());
    boost::json::object out{
        {"threads", o.threads},
        {"seconds", elapsed},
        {"transactions", all.size()},
        {"transactions_per_s", static_cast<double>(all.size()) / elapsed},
        {"p50_ms", percentile_ms(all, 50)},
        {"p99_ms", percentile_ms(all, 99)},
        {"p999_ms", percentile_ms(all, 99.9)},
        {"max_ms", all.empty() ? 0.0 : all.back() / 1000.0},
        {"errors", errors},
        {"failed_connects", failed_connects.load()},
        {"reconnects", reconnects},
        {"users_created", created},
        {"cpu_pct", 100.0 * cpu / elapsed},
        {"rss_peak_kb", rss_peak_kb()},
    };
    if (!first_error.empty()) out["first_error"] = first_error;
    std::cout << boost::json::serialize(out) << std::endl;
    return all.empty() ? 1 : 0;
}
