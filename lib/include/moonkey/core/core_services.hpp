#pragma once
// Everything one core's handlers use, owned by that core: no locks on the hot path.

#include "moonkey/api/key_cache.hpp"
#include "moonkey/core/config.hpp"
#include "moonkey/delivery/console_provider.hpp"
#include "moonkey/delivery/delivery_queue.hpp"
#include "moonkey/domain/otp_service.hpp"
#include "moonkey/store/repository.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>

namespace moonkey {

class core_services {
public:
    // `draining` is shared by every core and set on shutdown.
    core_services(boost::asio::io_context& io, config const& cfg, repository& repo, unix_clock clock,
                  std::atomic<bool> const& draining);

    boost::asio::any_io_executor executor() { return io_.get_executor(); }
    config const& cfg() const { return cfg_; }
    repository& repo() { return repo_; }
    key_cache& keys() { return keys_; }
    delivery_queue& delivery() { return delivery_; }
    otp_service& otps() { return otps_; }
    bool draining() const { return draining_.load(std::memory_order_relaxed); }

private:
    boost::asio::io_context& io_;
    config const& cfg_;
    repository& repo_;
    std::atomic<bool> const& draining_;
    key_cache keys_;
    std::unique_ptr<provider> sms_provider_;
    std::unique_ptr<provider> email_provider_;
    delivery_queue delivery_;
    otp_service otps_;
};

}  // namespace moonkey
