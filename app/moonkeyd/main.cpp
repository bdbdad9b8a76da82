// moonkeyd: read the configuration, wire the database and the cores, serve until SIGTERM.

#include "moonkey/core/config.hpp"
#include "moonkey/core/database_url.hpp"
#include "moonkey/core/log.hpp"
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
        mysql::worker_pool pool({*url, cfg.db_pool_size, cfg.db_timeout, cfg.db_queue_limit});
        mysql::mysql_repository repo(pool);
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
        srv.run();
        pool.stop();
    } catch (std::exception const& e) {
        log::error("moonkeyd failed", {{"exception", e.what()}});
        return 1;
    }
    return 0;
}
