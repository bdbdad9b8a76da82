#pragma once
// Blocking database work off the cores' loops: a bounded queue of jobs served by worker threads,
// each owning one connection. A job's result resumes the caller on the caller's own executor.

#include "moonkey/core/database_url.hpp"
#include "moonkey/core/error.hpp"
#include "moonkey/store/mysql/connection.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace moonkey::mysql {

struct driver_failure {
    error err;
    bool connection_lost = false;
};

// Translates an exception from a job into an error value, and says whether the connection is gone.
driver_failure translate_driver_failure(std::exception_ptr failure);

class worker_pool {
public:
    struct options {
        database_url url;
        unsigned workers = 16;
        std::chrono::milliseconds deadline{3000};  // queue wait + connect/read/write timeouts
        unsigned queue_limit = 4096;
    };

    explicit worker_pool(options opts);
    ~worker_pool();
    worker_pool(worker_pool const&) = delete;
    worker_pool& operator=(worker_pool const&) = delete;

    // Runs `fn(connection&) -> outcome<T>` on a worker. Returns its outcome, or service_unavailable
    // when the queue is full, the job waited past the deadline, or the database cannot be reached.
    template <class T, class Fn>
    boost::asio::awaitable<outcome<T>> run(Fn fn) {
        return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(outcome<T>)>(
            [this, fn = std::move(fn)](auto handler) mutable {
                submit(std::make_unique<typed_job<T, Fn, decltype(handler)>>(std::move(fn), std::move(handler)));
            },
            boost::asio::use_awaitable);
    }

    // Stops the workers after the jobs already queued; later jobs fail with service_unavailable.
    void stop();

    // Jobs waiting for a worker, and workers busy with one.
    std::size_t queued() const;
    std::size_t busy() const { return busy_.load(std::memory_order_relaxed); }

    // Jobs that found every worker busy and had to wait, since start.
    std::uint64_t waits() const { return waits_.load(std::memory_order_relaxed); }

    unsigned size() const { return opts_.workers; }

private:
    struct job {
        std::chrono::steady_clock::time_point enqueued = std::chrono::steady_clock::now();
        virtual ~job() = default;
        // Runs on a worker with its connection, or with nullptr and `reason` when it cannot run.
        // Returns false when the connection died during the job.
        virtual bool run(connection* conn, error const* reason) = 0;
    };

    template <class T, class Fn, class Handler>
    struct typed_job final : job {
        typed_job(Fn f, Handler h) : fn(std::move(f)), handler(std::move(h)) {}
        bool run(connection* conn, error const* reason) override {
            bool healthy = true;
            outcome<T> result = reason ? outcome<T>(*reason) : guarded(*conn, healthy);
            auto ex = boost::asio::get_associated_executor(handler);
            boost::asio::post(ex, [h = std::move(handler), r = std::move(result)]() mutable { std::move(h)(std::move(r)); });
            return healthy;
        }
        outcome<T> guarded(connection& conn, bool& healthy) {
            try {
                return fn(conn);
            } catch (...) {
                auto failure = translate_driver_failure(std::current_exception());
                healthy = !failure.connection_lost;
                return std::move(failure.err);
            }
        }
        Fn fn;
        Handler handler;
    };

    void submit(std::unique_ptr<job> j);
    void work();
    connection* ensure_connection(std::unique_ptr<connection>& conn, std::uint64_t& epoch, error& reason);

    options opts_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::unique_ptr<job>> queue_;
    bool stopping_ = false;
    std::atomic<std::size_t> busy_{0};
    std::atomic<std::uint64_t> waits_{0};
    std::atomic<std::int64_t> last_connect_failure_{0};
    // Raised when any worker finds its connection lost: the others reconnect before their next job
    // instead of each failing once on a dead connection (a restarted server kills them all).
    std::atomic<std::uint64_t> lost_epoch_{0};
    std::vector<std::thread> threads_;
};

}  // namespace moonkey::mysql
