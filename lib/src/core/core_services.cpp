#include "moonkey/core/core_services.hpp"

namespace moonkey {
namespace {

// Returns the provider named in the configuration (validated when it was loaded).
std::unique_ptr<provider> make_provider(std::string const& name) {
    (void)name;  // "console" is the only provider so far
    return std::make_unique<console_provider>();
}

}  // namespace

core_services::core_services(boost::asio::io_context& io, config const& cfg, repository& repo, unix_clock clock,
                             std::atomic<bool> const& draining)
    : io_(io),
      cfg_(cfg),
      repo_(repo),
      draining_(draining),
      keys_(repo),
      sms_provider_(make_provider(cfg.sms_provider)),
      email_provider_(make_provider(cfg.email_provider)),
      delivery_(io.get_executor(), repo, *sms_provider_, *email_provider_, clock, delivery_queue::options{}),
      otps_(repo, delivery_, cfg.secret, clock) {}

}  // namespace moonkey
