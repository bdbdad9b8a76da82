#pragma once
// Blocking database work off the cores' loops: a bounded queue of jobs served by worker threads,
// each owning one connection. A job's result resumes the caller on the caller's own executor.
// Jobs of one batch kind that wait together are taken by one worker and run as one batch.

#include "moonkey/core/database_url.hpp"
#include "moonkey/core/error.hpp"
#include "moonkey/store/mysql/connection.hpp"
#include "moonkey/store/mysql/queue_admission.hpp"

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

// A kind of request that the pool runs in batches: `run` executes several requests of the kind in
// one unit of work (typically one transaction with multi-row statements) and returns one outcome
// per request, in order. It throws the driver's exceptions; then the pool runs each request again
// alone. A batch kind is a long-lived object: its address identifies it.
template <class Request, class Result>
struct batch_kind {
    std::vector<outcome<Result>> (*run)(connection& conn, std::vector<Request*> const& requests);
};

class worker_pool {
public:
    struct options {
        database_url url;
        unsigned workers = 16;
        std::chrono::milliseconds deadline{3000};  // queue wait + connect/read/write timeouts
        unsigned queue_limit = 4096;
        // Admission control: a new job whose estimated wait in the queue (queue length over the
        // workers' measured drain rate), or the oldest waiting job's age, is over this is refused at
        // once (503) instead of joining a queue that only grows under overload (queue_admission).
        std::chrono::milliseconds max_queue_wait{100};
        unsigned batch_limit = 32;  // jobs of one batch kind a worker takes together
        // When set, only the first worker takes a job at once; the others are spares that take
        // one only after the oldest waiting job has waited this long (the first worker fell
        // behind, or is stuck on a slow commit). While one worker keeps up, requests gather into
        // its next batch instead of each getting a batch of its own: fewer commits, less CPU.
        std::chrono::microseconds spare_after{0};
    };

    // Batches run since start (a batched job that ran alone counts as a batch of one).
    struct batch_statistics {
        std::uint64_t batches = 0;
        std::uint64_t jobs = 0;       // batched jobs run in them
        std::uint64_t run_alone = 0;  // batches of several jobs that failed and ran again job by job
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

    // Runs `request` with `kind`'s batch function, together with the requests of the same kind that
    // wait in the queue when a worker takes it (oldest first, up to batch_limit; alone when none
    // wait). When a batch of several fails, each of its requests runs again alone, so one failing
    // request does not fail the others. Returns its outcome; service_unavailable as run() does.
    template <class Request, class Result>
    boost::asio::awaitable<outcome<Result>> run_batched(batch_kind<Request, Result> const& kind, Request request) {
        return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(outcome<Result>)>(
            [this, &kind, request = std::move(request)](auto handler) mutable {
                submit(std::make_unique<typed_batch_member<Request, Result, decltype(handler)>>(
                    kind, std::move(request), std::move(handler)));
            },
            boost::asio::use_awaitable);
    }

    // Stops the workers after the jobs already queued; later jobs fail with service_unavailable.
    void stop();

    // Returns true when a job submitted now would be refused for overload (or shutdown), without
    // taking the pool's lock: callers ask before doing the work that leads to a job (parsing and
    // validating a request), so that a refusal costs next to nothing. The answer may be a moment old.
    bool sheds() const noexcept;

    // The wait a job submitted now is estimated to have in the queue (0 while the rate is unknown).
    std::chrono::steady_clock::duration estimated_wait() const noexcept;

    // Jobs per second the saturated workers drain (0 until measured).
    double drain_rate() const noexcept { return drain_rate_.load(std::memory_order_relaxed); }

    // Jobs waiting for a worker, and workers busy with one.
    std::size_t queued() const;
    std::size_t busy() const { return busy_.load(std::memory_order_relaxed); }

    // Jobs that found every worker busy and had to wait, since start.
    std::uint64_t waits() const { return waits_.load(std::memory_order_relaxed); }

    unsigned size() const { return opts_.workers; }

    batch_statistics batches() const;

private:
    struct job {
        std::chrono::steady_clock::time_point enqueued = std::chrono::steady_clock::now();
        virtual ~job() = default;
        // Answers the job with `reason` instead of running it.
        virtual void refuse(error const& reason) = 0;
        // Runs the job, and `companions` (jobs of its batch kind, taken with it), on a worker's
        // connection. Returns false when the connection died.
        virtual bool run(connection& conn, std::vector<std::unique_ptr<job>>& companions, worker_pool& pool) = 0;
        // The batch kind this job joins; nullptr for a job that runs alone.
        virtual void const* batch_key() const { return nullptr; }
    };

    template <class T, class Fn, class Handler>
    struct typed_job final : job {
        typed_job(Fn f, Handler h) : fn(std::move(f)), handler(std::move(h)) {}
        void refuse(error const& reason) override { deliver(reason); }
        bool run(connection& conn, std::vector<std::unique_ptr<job>>&, worker_pool&) override {
            bool healthy = true;
            deliver(guarded(conn, healthy));
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
        void deliver(outcome<T> result) { post_outcome(handler, std::move(result)); }
        Fn fn;
        Handler handler;
    };

    // A batched request; its outcome goes to the handler of the typed_batch_member.
    template <class Request, class Result>
    struct batch_member : job {
        batch_member(batch_kind<Request, Result> const& k, Request r) : kind(k), request(std::move(r)) {}
        virtual void deliver(outcome<Result> result) = 0;
        void refuse(error const& reason) override { deliver(reason); }
        void const* batch_key() const override { return &kind; }
        bool run(connection& conn, std::vector<std::unique_ptr<job>>& companions, worker_pool& pool) override {
            std::vector<batch_member*> members{this};
            for (auto& c : companions) members.push_back(static_cast<batch_member*>(c.get()));
            return pool.run_members(conn, kind, members);
        }
        batch_kind<Request, Result> const& kind;
        Request request;
    };

    template <class Request, class Result, class Handler>
    struct typed_batch_member final : batch_member<Request, Result> {
        typed_batch_member(batch_kind<Request, Result> const& k, Request r, Handler h)
            : batch_member<Request, Result>(k, std::move(r)), handler(std::move(h)) {}
        void deliver(outcome<Result> result) override { post_outcome(handler, std::move(result)); }
        Handler handler;
    };

    // Posts `result` to the handler's own executor.
    template <class T, class Handler>
    static void post_outcome(Handler& handler, outcome<T> result) {
        auto ex = boost::asio::get_associated_executor(handler);
        boost::asio::post(ex, [h = std::move(handler), r = std::move(result)]() mutable { std::move(h)(std::move(r)); });
    }

    // Runs the members' requests as one batch (again one by one when a batch of several fails) and
    // delivers every outcome. Returns false when the connection died.
    template <class Request, class Result>
    bool run_members(connection& conn, batch_kind<Request, Result> const& kind,
                     std::vector<batch_member<Request, Result>*> const& members);

    // Called with mutex_ held: takes from the queue the jobs of `first`'s batch kind, oldest first.
    std::vector<std::unique_ptr<job>> take_companions(job const& first);
    void count_batch(std::size_t jobs, bool ran_alone);

    // Called with mutex_ held: how long the oldest waiting job has waited at `now`.
    std::chrono::steady_clock::duration oldest_wait(std::chrono::steady_clock::time_point now) const;
    // Called with mutex_ held after the queue or the rate changed: publishes them to sheds().
    void publish_queue_state();
    void submit(std::unique_ptr<job> j);
    // Called with `lock` held: waits until there is a job this worker should take now, or the
    // pool stops with an empty queue (then returns false).
    bool wait_for_job(std::unique_lock<std::mutex>& lock, bool spare);
    // Called with mutex_ held when jobs wait that no eager worker is about to take: a spare that
    // waits on an empty queue starts timing the oldest one.
    void alert_spare();
    void work(bool spare);
    connection* ensure_connection(std::unique_ptr<connection>& conn, std::uint64_t& epoch, error& reason);

    options opts_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;        // workers that take a job at once
    std::condition_variable spare_wake_;  // spares waiting for the queue to hold a job
    unsigned idle_eager_ = 0;             // with mutex_ held: workers waiting on wake_
    unsigned spares_without_job_ = 0;     // with mutex_ held: spares waiting on an empty queue
    std::deque<std::unique_ptr<job>> queue_;
    bool stopping_ = false;
    queue_admission admission_;
    drain_rate_meter meter_;  // with mutex_ held
    // What sheds() reads without the lock, written with mutex_ held.
    std::atomic<std::size_t> queued_{0};
    std::atomic<std::int64_t> oldest_enqueued_ns_{0};  // steady clock; 0: the queue is empty
    std::atomic<double> drain_rate_{0};
    std::atomic<bool> stopping_flag_{false};
    std::atomic<std::size_t> busy_{0};
    std::atomic<std::uint64_t> waits_{0};
    std::atomic<std::uint64_t> batches_{0}, batched_jobs_{0}, batches_run_alone_{0};
    std::atomic<std::int64_t> last_connect_failure_{0};
    // Raised when any worker finds its connection lost: the others reconnect before their next job
    // instead of each failing once on a dead connection (a restarted server kills them all).
    std::atomic<std::uint64_t> lost_epoch_{0};
    std::vector<std::thread> threads_;
};

template <class Request, class Result>
bool worker_pool::run_members(connection& conn, batch_kind<Request, Result> const& kind,
                              std::vector<batch_member<Request, Result>*> const& members) {
    auto run_alone = [&](std::size_t from) {
        for (std::size_t i = from; i < members.size(); ++i) {
            std::vector<Request*> one{&members[i]->request};
            try {
                members[i]->deliver(std::move(kind.run(conn, one).front()));
            } catch (...) {
                auto failure = translate_driver_failure(std::current_exception());
                members[i]->deliver(failure.err);
                if (failure.connection_lost) {
                    for (std::size_t rest = i + 1; rest < members.size(); ++rest) members[rest]->refuse(failure.err);
                    return false;
                }
            }
        }
        return true;
    };
    if (members.size() == 1) {
        count_batch(1, false);
        return run_alone(0);
    }
    std::vector<Request*> requests;
    for (auto* m : members) requests.push_back(&m->request);
    try {
        auto outcomes = kind.run(conn, requests);
        count_batch(members.size(), false);
        for (std::size_t i = 0; i < members.size(); ++i) members[i]->deliver(std::move(outcomes[i]));
        return true;
    } catch (...) {
        auto failure = translate_driver_failure(std::current_exception());
        count_batch(members.size(), !failure.connection_lost);
        if (failure.connection_lost) {
            for (auto* m : members) m->refuse(failure.err);
            return false;
        }
    }
    return run_alone(0);
}

}  // namespace moonkey::mysql
