#include "moonkey/store/mysql/worker_pool.hpp"

#include "moonkey/core/log.hpp"

#include <cppconn/exception.h>

#include <algorithm>

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

worker_pool::worker_pool(options opts)
    : opts_(std::move(opts)), admission_{opts_.max_queue_wait, std::size_t{opts_.workers} * opts_.batch_limit} {
    threads_.reserve(opts_.workers);
    for (unsigned i = 0; i < opts_.workers; ++i) {
        bool spare = i > 0 && opts_.spare_after > std::chrono::microseconds::zero();
        threads_.emplace_back([this, spare] { work(spare); });
    }
}

worker_pool::~worker_pool() { stop(); }

void worker_pool::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        stopping_flag_ = true;
    }
    wake_.notify_all();
    spare_wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

std::size_t worker_pool::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::chrono::steady_clock::duration worker_pool::oldest_wait(std::chrono::steady_clock::time_point now) const {
    return queue_.empty() ? std::chrono::steady_clock::duration::zero() : now - queue_.front()->enqueued;
}

void worker_pool::publish_queue_state() {
    queued_.store(queue_.size(), std::memory_order_relaxed);
    oldest_enqueued_ns_.store(queue_.empty() ? 0 : queue_.front()->enqueued.time_since_epoch().count(),
                              std::memory_order_relaxed);
    drain_rate_.store(meter_.per_second(), std::memory_order_relaxed);
}

bool worker_pool::sheds() const noexcept {
    if (stopping_flag_.load(std::memory_order_relaxed)) return true;
    auto const queued = queued_.load(std::memory_order_relaxed);
    if (queued >= opts_.queue_limit) return true;
    auto const oldest = oldest_enqueued_ns_.load(std::memory_order_relaxed);
    auto const now = std::chrono::steady_clock::now();
    auto const age = oldest == 0 ? std::chrono::steady_clock::duration::zero()
                                 : now.time_since_epoch() - std::chrono::steady_clock::duration(oldest);
    return admission_.refuses(queued, age, drain_rate());
}

std::chrono::steady_clock::duration worker_pool::estimated_wait() const noexcept {
    return queue_admission::estimated_wait(queued_.load(std::memory_order_relaxed), drain_rate());
}

void worker_pool::submit(std::unique_ptr<job> j) {
    error refusal{errc::service_unavailable, ""};
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            refusal.message = "the server is shutting down; retry on another instance";
        } else if (queue_.size() >= opts_.queue_limit ||
                   admission_.refuses(queue_.size(), oldest_wait(j->enqueued), meter_.per_second())) {
            refusal.message = "the server is overloaded; retry shortly";
        } else {
            if (busy_.load(std::memory_order_relaxed) + queue_.size() >= opts_.workers)
                waits_.fetch_add(1, std::memory_order_relaxed);
            queue_.push_back(std::move(j));
            publish_queue_state();
            if (idle_eager_ > 0) {
                wake_.notify_one();
            } else {
                alert_spare();
            }
            return;
        }
    }
    j->refuse(refusal);
}

worker_pool::batch_statistics worker_pool::batches() const {
    return {batches_.load(std::memory_order_relaxed), batched_jobs_.load(std::memory_order_relaxed),
            batches_run_alone_.load(std::memory_order_relaxed)};
}

void worker_pool::count_batch(std::size_t jobs, bool ran_alone) {
    batches_.fetch_add(1, std::memory_order_relaxed);
    batched_jobs_.fetch_add(jobs, std::memory_order_relaxed);
    if (ran_alone) batches_run_alone_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::unique_ptr<worker_pool::job>> worker_pool::take_companions(job const& first) {
    std::vector<std::unique_ptr<job>> companions;
    auto const* key = first.batch_key();
    if (!key) return companions;
    for (auto& waiting : queue_) {
        if (companions.size() + 1 >= opts_.batch_limit) break;
        if (waiting->batch_key() == key) companions.push_back(std::move(waiting));
    }
    if (!companions.empty()) std::erase(queue_, nullptr);
    return companions;
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

void worker_pool::alert_spare() {
    if (spares_without_job_ > 0) spare_wake_.notify_one();
}

bool worker_pool::wait_for_job(std::unique_lock<std::mutex>& lock, bool spare) {
    if (!spare) {
        ++idle_eager_;
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        --idle_eager_;
        return !queue_.empty();
    }
    for (;;) {
        if (queue_.empty()) {
            if (stopping_) return false;
            ++spares_without_job_;
            spare_wake_.wait(lock);
            --spares_without_job_;
            continue;
        }
        auto due = queue_.front()->enqueued + opts_.spare_after;
        if (stopping_ || std::chrono::steady_clock::now() >= due) return true;
        spare_wake_.wait_until(lock, due);
    }
}

void worker_pool::work(bool spare) {
    thread_init();
    std::unique_ptr<connection> conn;
    std::uint64_t epoch = 0;
    std::size_t finished = 0;  // jobs of the last take, counted with the next lock
    for (;;) {
        std::unique_ptr<job> next;
        std::vector<std::unique_ptr<job>> companions;  // younger than next: its deadline covers them
        {
            std::unique_lock lock(mutex_);
            if (finished) meter_.completed(finished, std::chrono::steady_clock::now());
            if (queue_.empty() && !stopping_) meter_.idled(std::chrono::steady_clock::now());
            if (!wait_for_job(lock, spare)) break;
            next = std::move(queue_.front());
            queue_.pop_front();
            companions = take_companions(*next);
            finished = 1 + companions.size();
            publish_queue_state();
            if (!queue_.empty()) alert_spare();  // jobs of another kind, or past the batch limit
        }
        busy_.fetch_add(1, std::memory_order_relaxed);
        error reason{errc::service_unavailable, ""};
        connection* c = nullptr;
        if (std::chrono::steady_clock::now() - next->enqueued > opts_.deadline) {
            reason.message = "the database did not answer in time; retry shortly";
        } else {
            c = ensure_connection(conn, epoch, reason);
        }
        if (!c) {
            next->refuse(reason);
            for (auto& companion : companions) companion->refuse(reason);
        } else if (!next->run(*c, companions, *this)) {
            conn.reset();
            lost_epoch_.fetch_add(1);
        }
        busy_.fetch_sub(1, std::memory_order_relaxed);
    }
    conn.reset();
    thread_end();
}

}  // namespace moonkey::mysql
