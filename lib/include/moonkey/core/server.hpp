#pragma once
// The process: one thread per core, each with its own io_context, SO_REUSEPORT acceptor, services
// and delivery queue, all sharing the repository.

#include "moonkey/core/clock.hpp"
#include "moonkey/core/config.hpp"
#include "moonkey/core/metrics.hpp"
#include "moonkey/store/repository.hpp"

#include <atomic>
#include <cstdint>
#include <memory>

namespace moonkey {

class server {
public:
    server(config cfg, repository& repo, unix_clock clock = system_unix_clock());
    ~server();

    // The metrics of every core; add process-wide gauges here before run().
    metrics_registry& metrics();

    // Binds the listeners (throws system_error when it cannot); returns the bound port.
    std::uint16_t bind();

    // Serves until stop(); returns after every core has finished. Calls bind() if needed.
    void run();

    // Starts the shutdown: /readyz fails, the drain delay passes, listeners close, queues flush.
    // Safe from any thread and from a signal handler's coroutine.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace moonkey
