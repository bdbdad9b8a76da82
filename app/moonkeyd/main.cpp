// moonkeyd: read the configuration, wire the database and the cores, serve until SIGTERM.

#include "moonkey/core/config.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/core/memory_trimmer.hpp"
#include "moonkey/core/server.hpp"
#include "moonkey/store/mysql/mysql_repository.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

#include <iostream>

int main(int argc, char** argv) {
    using namespace moonkey;
    auto request = load_config(argc, argv, config_use::server);
    if (!request) {
        std::cerr << "moonkeyd: " << request.error().message << "\n";
        return 2;
    }
    if (request->help) {
        std::cout << "Usage: moonkeyd [--key value ...]\n\n" << request->help_text;
        return 0;
    }
    auto const& cfg = request->cfg;
    log::set_level(cfg.log_level);
    auto url = parse_database_url(cfg.database_url);
    if (!url) {
        std::cerr << "moonkeyd: " << url.error().message << "\n";
        return 2;
    }
    try {
        // (Its jobs run alone: a batch limit of 1 makes one job per worker the round its admission
        // always lets in.)
        mysql::worker_pool pool({*url, cfg.db_pool_size, cfg.db_timeout, cfg.db_queue_limit, cfg.db_queue_max_wait, 1});
        mysql::worker_pool batch_pool({*url, cfg.db_batch_workers, cfg.db_timeout, cfg.db_queue_limit,
                                       cfg.db_queue_max_wait, cfg.db_batch_limit, cfg.db_batch_spare_after});
        mysql::mysql_repository repo(pool, batch_pool);
        server srv(cfg, repo);
        auto& metrics = srv.metrics();
        metrics.add_gauge("moonkey_db_pool_size", "Database connections (worker threads).",
                          [&pool] { return static_cast<double>(pool.size()); });
        metrics.add_gauge("moonkey_db_pool_in_use", "Database connections running a job.",
                          [&pool] { return static_cast<double>(pool.busy()); });
        metrics.add_gauge("moonkey_db_pool_queued", "Database jobs waiting for a connection.",
                          [&pool] { return static_cast<double>(pool.queued()); });
        metrics.add_gauge("moonkey_db_pool_waits", "Database jobs that found every connection busy (counter).",
                          [&pool] { return static_cast<double>(pool.waits()); });
        metrics.add_gauge("moonkey_db_batches", "login_or_create batches run, one transaction each (counter).",
                          [&batch_pool] { return static_cast<double>(batch_pool.batches().batches); });
        metrics.add_gauge("moonkey_db_batched_requests", "login_or_create requests run in those batches (counter).",
                          [&batch_pool] { return static_cast<double>(batch_pool.batches().jobs); });
        metrics.add_gauge("moonkey_db_batches_run_alone",
                          "Batches that failed and ran again request by request (counter).",
                          [&batch_pool] { return static_cast<double>(batch_pool.batches().run_alone); });
        metrics.add_gauge("moonkey_db_batch_queued", "login_or_create requests waiting for a batch.",
                          [&batch_pool] { return static_cast<double>(batch_pool.queued()); });
        metrics.add_gauge("moonkey_db_batch_drain_rate",
                          "login_or_create requests per second the batch workers drain while saturated.",
                          [&batch_pool] { return batch_pool.drain_rate(); });
        metrics.add_gauge("moonkey_db_batch_wait_estimate_seconds",
                          "Estimated queue wait of a login_or_create request submitted now (admission control).",
                          [&batch_pool] { return std::chrono::duration<double>(batch_pool.estimated_wait()).count(); });
        memory_trimmer trimmer(cfg.memory_trim_interval);
        srv.run();
        trimmer.stop();
        batch_pool.stop();
        pool.stop();
    } catch (std::exception const& e) {
        log::error("moonkeyd failed", {{"exception", e.what()}});
        return 1;
    }
    return 0;
}
