#pragma once
// Everything one core's handlers use, owned by that core: no locks on the hot path.

#include "moonkey/api/key_cache.hpp"
#include "moonkey/core/config.hpp"
#include "moonkey/core/loop_lag.hpp"
#include "moonkey/core/metrics.hpp"
#include "moonkey/delivery/console_provider.hpp"
#include "moonkey/delivery/delivery_queue.hpp"
#include "moonkey/delivery/outbox_recovery.hpp"
#include "moonkey/domain/jwt_key_ring.hpp"
#include "moonkey/domain/otp_service.hpp"
#include "moonkey/domain/periodic_purge.hpp"
#include "moonkey/domain/session_service.hpp"
#include "moonkey/domain/user_service.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <random>

namespace moonkey {

class core_services {
public:
    // `keys`, `registry` and `draining` are shared by every core; `draining` is set on shutdown.
    core_services(boost::asio::io_context& io, config const& cfg, repository& repo, jwt_key_ring& keys,
                  metrics_registry& registry, core_metrics& metrics, unix_clock clock,
                  std::atomic<bool> const& draining);

    boost::asio::any_io_executor executor() { return io_.get_executor(); }
    config const& cfg() const { return cfg_; }
    repository& repo() { return repo_; }
    key_cache& keys() { return keys_; }
    delivery_queue& delivery() { return delivery_; }
    otp_service& otps() { return otps_; }
    session_service& sessions() { return sessions_; }
    user_service& users() { return users_; }
    bool draining() const { return draining_.load(std::memory_order_relaxed); }
    metrics_registry& registry() { return registry_; }
    core_metrics& metrics() { return metrics_; }
    // Returns the current Unix time from the server's (injectable) clock.
    std::int64_t now() const { return clock_(); }

    // Counts a request in and out (graceful drain waits for none in flight) and records it.
    void request_started() { ++in_flight_; }
    void request_finished(std::string_view route, unsigned status, std::chrono::nanoseconds duration);
    std::size_t in_flight() const { return in_flight_; }

    // Returns true when this request should be shed because this core's loop runs late (loop_lag):
    // a share of the requests that grows with the lag past loop_lag_target.
    bool loop_sheds() {
        return lag_.sheds(std::uniform_real_distribution<double>(0.0, 1.0)(shed_random_),
                          std::chrono::steady_clock::now());
    }
    // The smoothed lag of this core's loop.
    std::chrono::microseconds loop_lag() const { return lag_.current(); }

    // Starts this core's delivery queue and lease recovery.
    void start();

    // Stops lease recovery, flushes the delivery queue and closes the providers' connections.
    boost::asio::awaitable<void> stop();

private:
    boost::asio::io_context& io_;
    config const& cfg_;
    repository& repo_;
    std::atomic<bool> const& draining_;
    metrics_registry& registry_;
    core_metrics& metrics_;
    unix_clock clock_;
    std::size_t in_flight_ = 0;
    key_cache keys_;
    std::unique_ptr<provider> sms_provider_;
    std::unique_ptr<provider> email_provider_;
    delivery_queue delivery_;
    outbox_recovery recovery_;
    periodic_purge purge_;
    session_service sessions_;
    otp_service otps_;
    user_service users_;
    moonkey::loop_lag lag_;
    loop_lag_probe lag_probe_;
    std::minstd_rand shed_random_;
};

}  // namespace moonkey
