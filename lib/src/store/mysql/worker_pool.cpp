#include "moonkey/store/mysql/worker_pool.hpp"

#include "moonkey/core/log.hpp"

#include <cppconn/exception.h>

namespace moonkey::mysql {
namespace {

std::int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// After a failed connect, jobs fail at once for this long instead of each waiting on a connect.
constexpr std::int64_t reconnect_backoff_ms = 250;

}  // namespace

driver_failure translate_driver_failure(std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (sql::SQLException const& e) {
        if (is_connection_lost(e.getErrorCode()))
            return {fail(errc::service_unavailable, "the database is unreachable; retry shortly"), true};
        if (e.getErrorCode() == server_error::lock_wait_timeout || e.getErrorCode() == server_error::deadlock)
            return {fail(errc::service_unavailable, "the database is busy; retry shortly"), false};
        log::error("database error", {{"code", e.getErrorCode()}, {"sqlstate", e.getSQLState()}});
        return {fail(errc::internal_server_error, "the database rejected the request"), false};
    } catch (std::exception const& e) {
        log::error("database job failed", {{"exception", e.what()}});
        return {fail(errc::internal_server_error, "the database request failed"), false};
    }
}

worker_pool::worker_pool(options opts) : opts_(std::move(opts)) {
    threads_.reserve(opts_.workers);
    for (unsigned i = 0; i < opts_.workers; ++i) threads_.emplace_back([this] { work(); });
}

worker_pool::~worker_pool() { stop(); }

void worker_pool::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

std::size_t worker_pool::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void worker_pool::submit(std::unique_ptr<job> j) {
    error refusal{errc::service_unavailable, ""};
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            refusal.message = "the server is shutting down; retry on another instance";
        } else if (queue_.size() >= opts_.queue_limit) {
            refusal.message = "the server is overloaded; retry shortly";
        } else {
            if (busy_.load(std::memory_order_relaxed) + queue_.size() >= opts_.workers)
                waits_.fetch_add(1, std::memory_order_relaxed);
            queue_.push_back(std::move(j));
            wake_.notify_one();
            return;
        }
    }
    j->run(nullptr, &refusal);
}

connection* worker_pool::ensure_connection(std::unique_ptr<connection>& conn, std::uint64_t& epoch, error& reason) {
    if (conn && epoch >= lost_epoch_.load()) return conn.get();
    conn.reset();
    if (steady_ms() - last_connect_failure_.load() < reconnect_backoff_ms) {
        reason = fail(errc::service_unavailable, "the database is unreachable; retry shortly");
        return nullptr;
    }
    try {
        epoch = lost_epoch_.load();
        conn = std::make_unique<connection>(opts_.url, opts_.deadline);
        return conn.get();
    } catch (std::exception const& e) {
        last_connect_failure_ = steady_ms();
        log::warn("database connect failed", {{"error", e.what()}});
        reason = fail(errc::service_unavailable, "the database is unreachable; retry shortly");
        return nullptr;
    }
}

void worker_pool::work() {
    thread_init();
    std::unique_ptr<connection> conn;
    std::uint64_t epoch = 0;
    for (;;) {
        std::unique_ptr<job> next;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) break;
            next = std::move(queue_.front());
            queue_.pop_front();
        }
        busy_.fetch_add(1, std::memory_order_relaxed);
        error reason{errc::service_unavailable, ""};
        if (std::chrono::steady_clock::now() - next->enqueued > opts_.deadline) {
            reason.message = "the database did not answer in time; retry shortly";
            next->run(nullptr, &reason);
        } else if (auto* c = ensure_connection(conn, epoch, reason); !c) {
            next->run(nullptr, &reason);
        } else if (!next->run(c, nullptr)) {
            conn.reset();
            lost_epoch_.fetch_add(1);
        }
        busy_.fetch_sub(1, std::memory_order_relaxed);
    }
    conn.reset();
    thread_end();
}

}  // namespace moonkey::mysql
