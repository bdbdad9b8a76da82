#include "moonkey/core/core_services.hpp"

#include "moonkey/delivery/smtp_provider.hpp"
#include "moonkey/delivery/twilio_provider.hpp"
#include "moonkey/delivery/webhook_provider.hpp"

namespace moonkey {
namespace {

// Returns the provider named in the configuration (validated when it was loaded).
std::unique_ptr<provider> make_provider(std::string const& name, config const& cfg, boost::asio::any_io_executor ex) {
    if (name == "webhook") return std::make_unique<webhook_provider>(ex, webhook_options{cfg.webhook_url, cfg.webhook_secret});
    if (name == "twilio") {
        twilio_options opts;
        opts.base_url = cfg.twilio_base_url;
        opts.account_sid = cfg.twilio_account_sid;
        opts.auth_token = cfg.twilio_auth_token;
        opts.from = cfg.twilio_from;
        opts.max_concurrency = cfg.delivery_concurrency * 2;
        return std::make_unique<twilio_provider>(ex, opts);
    }
    if (name == "smtp") {
        smtp_options opts;
        opts.url = cfg.smtp_url;
        opts.from = cfg.email_from;
        opts.verify_tls = cfg.smtp_verify_tls;
        return std::make_unique<smtp_provider>(ex, opts);
    }
    return std::make_unique<console_provider>();
}

// How often each core's loop measures its own lag.
constexpr std::chrono::milliseconds loop_lag_interval{5};

delivery_queue::options queue_options(config const& cfg) {
    delivery_queue::options opts;
    opts.policy.batch_max = cfg.delivery_batch_max;
    opts.policy.batch_linger = cfg.delivery_batch_linger;
    opts.policy.batch_linger_max = cfg.delivery_batch_linger_max;
    opts.marks.interval = cfg.delivery_mark_interval;
    opts.policy.max_attempts = cfg.delivery_max_attempts;
    opts.concurrency = cfg.delivery_concurrency;
    opts.capacity = cfg.delivery_queue_limit;
    opts.lease = cfg.delivery_lease;
    return opts;
}

outbox_recovery::options recovery_options(config const& cfg) {
    outbox_recovery::options opts;
    opts.lease = cfg.delivery_lease;
    opts.claim_limit = cfg.delivery_batch_max;
    opts.interval = std::min<std::chrono::milliseconds>(std::chrono::seconds(1), cfg.delivery_lease / 2);
    return opts;
}

periodic_purge::options purge_options(config const& cfg) {
    periodic_purge::options opts;
    opts.outbox_retention = cfg.outbox_retention;
    return opts;
}

}  // namespace

core_services::core_services(boost::asio::io_context& io, config const& cfg, repository& repo, jwt_key_ring& keys,
                             metrics_registry& registry, core_metrics& metrics, unix_clock clock,
                             std::atomic<bool> const& draining)
    : io_(io),
      cfg_(cfg),
      repo_(repo),
      draining_(draining),
      registry_(registry),
      metrics_(metrics),
      clock_(clock),
      keys_(repo),
      sms_provider_(make_provider(cfg.sms_provider, cfg, io.get_executor())),
      email_provider_(make_provider(cfg.email_provider, cfg, io.get_executor())),
      delivery_(io.get_executor(), repo, *sms_provider_, *email_provider_, clock, queue_options(cfg)),
      recovery_(io.get_executor(), repo, delivery_, cfg.secret, clock, recovery_options(cfg)),
      purge_(io.get_executor(), repo, clock, purge_options(cfg)),
      sessions_(repo, keys, clock),
      otps_(repo, delivery_, sessions_, cfg.secret, clock, cfg.delivery_lease),
      users_(repo.users(), clock),
      lag_(cfg.loop_lag_target),
      lag_probe_(io.get_executor(), loop_lag_interval, lag_),
      shed_random_(std::random_device{}()) {}

void core_services::request_finished(std::string_view route, unsigned status, std::chrono::nanoseconds duration) {
    --in_flight_;
    metrics_.observe_request(registry_.route_index(route), status, duration);
}

void core_services::start() {
    delivery_.set_metrics(&metrics_);
    delivery_.start();
    recovery_.start();
    purge_.start();
    lag_probe_.start();
}

boost::asio::awaitable<void> core_services::stop() {
    recovery_.stop();
    purge_.stop();
    lag_probe_.stop();
    co_await delivery_.stop();
    sms_provider_->stop();
    email_provider_->stop();
}

}  // namespace moonkey
