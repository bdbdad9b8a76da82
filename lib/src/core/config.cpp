#include "moonkey/core/config.hpp"

#include <boost/program_options.hpp>

#include <fstream>
#include <sstream>
#include <thread>

namespace moonkey {
namespace po = boost::program_options;

namespace {

po::options_description describe_options() {
    po::options_description desc("Configuration (file key = flag name; environment MOONKEY_<KEY>)");
    // clang-format off
    desc.add_options()
        ("help", "print this help and exit")
        ("config", po::value<std::string>(), "configuration file (key = value lines)")
        ("listen", po::value<std::string>()->default_value("127.0.0.1:11019"), "address:port to serve HTTP on")
        ("threads", po::value<unsigned>()->default_value(0), "cores to use, each with its own loop; 0 = all")
        ("database_url", po::value<std::string>()->default_value(""),
            "mysql://user:pass@host:port/db or mysql://user@localhost/db?socket=/path/mysqld.sock")
        ("db_pool_size", po::value<unsigned>()->default_value(16), "database connections (worker threads)")
        ("db_timeout", po::value<unsigned>()->default_value(3000), "database deadline per request, ms")
        ("db_queue_limit", po::value<unsigned>()->default_value(4096), "database jobs waiting before 503")
        ("db_queue_max_wait", po::value<unsigned>()->default_value(100),
            "ms a database job may be expected to wait in the queue before requests get 503 (admission control)")
        ("db_batch_workers", po::value<unsigned>()->default_value(2),
            "database connections that run login_or_create in batches (one commit per batch)")
        ("db_batch_limit", po::value<unsigned>()->default_value(32), "login_or_create requests in one batch at most")
        ("db_batch_spare_after", po::value<unsigned>()->default_value(2),
            "ms the oldest login_or_create request waits before batch workers past the first help; 0 = all at once")
        ("secret", po::value<std::string>()->default_value(""), "server secret for code and token HMACs (32+ bytes)")
        ("secret_file", po::value<std::string>()->default_value(""), "file holding the server secret")
        ("sms_provider", po::value<std::string>()->default_value("console"), "SMS delivery: console, webhook or twilio")
        ("email_provider", po::value<std::string>()->default_value("console"), "email delivery: console, webhook or smtp")
        ("webhook_url", po::value<std::string>()->default_value(""), "webhook provider: URL that receives batches")
        ("webhook_secret", po::value<std::string>()->default_value(""), "webhook provider: signing secret (whsec_…)")
        ("webhook_secret_file", po::value<std::string>()->default_value(""), "file holding webhook_secret")
        ("twilio_base_url", po::value<std::string>()->default_value("https://api.twilio.com"), "Twilio API base URL")
        ("twilio_account_sid", po::value<std::string>()->default_value(""), "Twilio account SID")
        ("twilio_auth_token", po::value<std::string>()->default_value(""), "Twilio auth token")
        ("twilio_auth_token_file", po::value<std::string>()->default_value(""), "file holding twilio_auth_token")
        ("twilio_from", po::value<std::string>()->default_value(""), "Twilio sender number or messaging service SID")
        ("smtp_url", po::value<std::string>()->default_value(""), "smtp://user:pass@host:port or smtps://…")
        ("smtp_url_file", po::value<std::string>()->default_value(""), "file holding smtp_url")
        ("smtp_verify_tls", po::value<bool>()->default_value(true), "verify the SMTP server's certificate")
        ("email_from", po::value<std::string>()->default_value(""), "sender of emails: \"Name <addr@example.com>\"")
        ("delivery_batch_max", po::value<unsigned>()->default_value(100), "messages per provider batch")
        ("delivery_batch_linger", po::value<unsigned>()->default_value(5), "ms to wait for a batch to fill")
        ("delivery_batch_linger_max", po::value<unsigned>()->default_value(40),
            "ms a batch may wait to fill while the queue is busy (the linger grows up to it)")
        ("delivery_mark_interval", po::value<unsigned>()->default_value(20),
            "ms to gather the sent marks of several batches into one statement; 0: one per batch")
        ("delivery_concurrency", po::value<unsigned>()->default_value(4), "batches in flight per provider and core")
        ("delivery_queue_limit", po::value<unsigned>()->default_value(10000), "messages queued per core before 503")
        ("delivery_lease", po::value<unsigned>()->default_value(30), "s before an unsent message is claimed again")
        ("delivery_max_attempts", po::value<unsigned>()->default_value(10), "sends tried before a message fails")
        ("outbox_retention", po::value<unsigned>()->default_value(86400),
            "s a sent, failed or expired message stays in the outbox after its lease; 0: for good")
        ("drain_delay", po::value<unsigned>()->default_value(0), "ms to keep serving after SIGTERM")
        ("loop_lag_target", po::value<unsigned>()->default_value(10),
            "ms a core's loop may run late before the OTP endpoints shed a share of requests"
            " (all at twice it); 0: never")
        ("memory_trim_interval", po::value<unsigned>()->default_value(1000),
            "ms between returns of freed heap memory to the system (glibc malloc_trim); 0: never")
        ("metrics_listen", po::value<std::string>()->default_value(""),
            "address:port for GET /metrics alone; empty: /metrics on the main listener")
        ("log_level", po::value<std::string>()->default_value("info"), "debug, info, warn or error")
        ("access_log", po::value<bool>()->default_value(true), "one log line per request (true/false)")
        ("read_timeout", po::value<unsigned>()->default_value(10000), "ms to receive a whole request")
        ("idle_timeout", po::value<unsigned>()->default_value(60000), "ms a kept-alive connection may idle")
        ("max_connections", po::value<unsigned>()->default_value(10000), "open connections per process; more get 503")
        ("trusted_proxies", po::value<std::string>()->default_value(""),
            "load balancers whose X-Forwarded-For names the client: addresses or CIDR networks, comma-separated");
    // clang-format on
    return desc;
}

std::string env_to_key(std::string const& name) {
    std::string_view constexpr prefix = "MOONKEY_";
    if (!name.starts_with(prefix)) return {};
    std::string key;
    for (char c : name.substr(prefix.size())) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "help") return {};
    return key;
}

outcome<void> parse_listen(std::string const& text, config& cfg) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return fail(errc::invalid_request, "listen: expected address:port, got '" + text + "'");
    cfg.listen_host = text.substr(0, colon);
    if (cfg.listen_host.size() > 2 && cfg.listen_host.front() == '[') cfg.listen_host = cfg.listen_host.substr(1, cfg.listen_host.size() - 2);
    try {
        int port = std::stoi(text.substr(colon + 1));
        if (port < 0 || port > 65535) throw std::out_of_range("port");
        cfg.listen_port = static_cast<std::uint16_t>(port);
    } catch (std::exception const&) {
        return fail(errc::invalid_request, "listen: bad port in '" + text + "'");
    }
    return {};
}

outcome<std::string> read_secret_file(std::string const& path) {
    std::ifstream in(path);
    if (!in) return fail(errc::invalid_request, "secret_file: cannot read '" + path + "'");
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string secret = buffer.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    return secret;
}

// Returns the value of `key`, or the contents of the file named by `key`_file when that is set.
outcome<std::string> value_or_file(po::variables_map const& vm, std::string const& key) {
    if (auto const& file = vm[key + "_file"].as<std::string>(); !file.empty()) {
        auto text = read_secret_file(file);
        if (!text) return fail(errc::invalid_request, key + "_file: cannot read '" + file + "'");
        return *text;
    }
    return vm[key].as<std::string>();
}

outcome<void> read_delivery(po::variables_map const& vm, config& cfg) {
    cfg.sms_provider = vm["sms_provider"].as<std::string>();
    if (cfg.sms_provider != "console" && cfg.sms_provider != "webhook" && cfg.sms_provider != "twilio")
        return fail(errc::invalid_request, "sms_provider: must be console, webhook or twilio");
    cfg.email_provider = vm["email_provider"].as<std::string>();
    if (cfg.email_provider != "console" && cfg.email_provider != "webhook" && cfg.email_provider != "smtp")
        return fail(errc::invalid_request, "email_provider: must be console, webhook or smtp");
    cfg.webhook_url = vm["webhook_url"].as<std::string>();
    auto webhook_secret = value_or_file(vm, "webhook_secret");
    if (!webhook_secret) return webhook_secret.error();
    cfg.webhook_secret = *webhook_secret;
    bool uses_webhook = cfg.sms_provider == "webhook" || cfg.email_provider == "webhook";
    if (uses_webhook && (cfg.webhook_url.empty() || cfg.webhook_secret.empty()))
        return fail(errc::invalid_request, "webhook_url: the webhook provider needs webhook_url and webhook_secret");
    cfg.twilio_base_url = vm["twilio_base_url"].as<std::string>();
    cfg.twilio_account_sid = vm["twilio_account_sid"].as<std::string>();
    auto twilio_token = value_or_file(vm, "twilio_auth_token");
    if (!twilio_token) return twilio_token.error();
    cfg.twilio_auth_token = *twilio_token;
    cfg.twilio_from = vm["twilio_from"].as<std::string>();
    if (cfg.sms_provider == "twilio" &&
        (cfg.twilio_account_sid.empty() || cfg.twilio_auth_token.empty() || cfg.twilio_from.empty()))
        return fail(errc::invalid_request,
                    "twilio_account_sid: the twilio provider needs twilio_account_sid, twilio_auth_token and twilio_from");
    auto smtp_url = value_or_file(vm, "smtp_url");
    if (!smtp_url) return smtp_url.error();
    cfg.smtp_url = *smtp_url;
    cfg.email_from = vm["email_from"].as<std::string>();
    cfg.smtp_verify_tls = vm["smtp_verify_tls"].as<bool>();
    if (cfg.email_provider == "smtp" && (cfg.smtp_url.empty() || cfg.email_from.empty()))
        return fail(errc::invalid_request, "smtp_url: the smtp provider needs smtp_url and email_from");
    cfg.delivery_batch_max = vm["delivery_batch_max"].as<unsigned>();
    if (cfg.delivery_batch_max == 0 || cfg.delivery_batch_max > 1000)
        return fail(errc::invalid_request, "delivery_batch_max: must be 1..1000");
    cfg.delivery_batch_linger = std::chrono::milliseconds(vm["delivery_batch_linger"].as<unsigned>());
    cfg.delivery_batch_linger_max = std::chrono::milliseconds(vm["delivery_batch_linger_max"].as<unsigned>());
    if (cfg.delivery_batch_linger_max > std::chrono::seconds(1))  // below delivery_batch_linger: no growth
        return fail(errc::invalid_request, "delivery_batch_linger_max: must be 0..1000 ms");
    cfg.delivery_mark_interval = std::chrono::milliseconds(vm["delivery_mark_interval"].as<unsigned>());
    if (cfg.delivery_mark_interval > std::chrono::seconds(1))
        return fail(errc::invalid_request, "delivery_mark_interval: must be 0..1000 ms");
    cfg.delivery_concurrency = vm["delivery_concurrency"].as<unsigned>();
    if (cfg.delivery_concurrency == 0) return fail(errc::invalid_request, "delivery_concurrency: must be at least 1");
    cfg.delivery_queue_limit = vm["delivery_queue_limit"].as<unsigned>();
    cfg.delivery_lease = std::chrono::seconds(vm["delivery_lease"].as<unsigned>());
    if (cfg.delivery_lease.count() < 1) return fail(errc::invalid_request, "delivery_lease: must be at least 1 s");
    cfg.delivery_max_attempts = vm["delivery_max_attempts"].as<unsigned>();
    if (cfg.delivery_max_attempts == 0) return fail(errc::invalid_request, "delivery_max_attempts: must be at least 1");
    cfg.outbox_retention = std::chrono::seconds(vm["outbox_retention"].as<unsigned>());
    return {};
}

outcome<config> to_config(po::variables_map const& vm, config_use use) {
    config cfg;
    if (auto r = parse_listen(vm["listen"].as<std::string>(), cfg); !r) return r.error();
    cfg.threads = vm["threads"].as<unsigned>();
    if (cfg.threads == 0) cfg.threads = std::max(1u, std::thread::hardware_concurrency());
    cfg.database_url = vm["database_url"].as<std::string>();
    if (cfg.database_url.empty()) return fail(errc::invalid_request, "database_url: not set");
    cfg.db_pool_size = vm["db_pool_size"].as<unsigned>();
    if (cfg.db_pool_size == 0 || cfg.db_pool_size > 512)
        return fail(errc::invalid_request, "db_pool_size: must be 1..512");
    cfg.db_timeout = std::chrono::milliseconds(vm["db_timeout"].as<unsigned>());
    cfg.db_queue_limit = vm["db_queue_limit"].as<unsigned>();
    cfg.db_queue_max_wait = std::chrono::milliseconds(vm["db_queue_max_wait"].as<unsigned>());
    cfg.db_batch_workers = vm["db_batch_workers"].as<unsigned>();
    if (cfg.db_batch_workers == 0 || cfg.db_batch_workers > 512)
        return fail(errc::invalid_request, "db_batch_workers: must be 1..512");
    cfg.db_batch_limit = vm["db_batch_limit"].as<unsigned>();
    if (cfg.db_batch_limit == 0 || cfg.db_batch_limit > 1000)
        return fail(errc::invalid_request, "db_batch_limit: must be 1..1000");
    cfg.db_batch_spare_after = std::chrono::milliseconds(vm["db_batch_spare_after"].as<unsigned>());
    if (cfg.db_batch_spare_after >= cfg.db_timeout)
        return fail(errc::invalid_request, "db_batch_spare_after: must be less than db_timeout");
    cfg.secret = vm["secret"].as<std::string>();
    if (auto const& file = vm["secret_file"].as<std::string>(); !file.empty()) {
        auto secret = read_secret_file(file);
        if (!secret) return secret.error();
        cfg.secret = *secret;
    }
    if (use == config_use::server && cfg.secret.size() < 32)
        return fail(errc::invalid_request, "secret: set MOONKEY_SECRET or secret_file to at least 32 bytes");
    if (auto r = read_delivery(vm, cfg); !r) return r.error();
    cfg.drain_delay = std::chrono::milliseconds(vm["drain_delay"].as<unsigned>());
    cfg.memory_trim_interval = std::chrono::milliseconds(vm["memory_trim_interval"].as<unsigned>());
    cfg.loop_lag_target = std::chrono::milliseconds(vm["loop_lag_target"].as<unsigned>());
    if (auto const& metrics = vm["metrics_listen"].as<std::string>(); !metrics.empty()) {
        config where;
        if (auto r = parse_listen(metrics, where); !r)
            return fail(errc::invalid_request, "metrics_listen: expected address:port, got '" + metrics + "'");
        cfg.metrics_host = where.listen_host;
        cfg.metrics_port = where.listen_port;
    }
    cfg.log_level = vm["log_level"].as<std::string>();
    if (cfg.log_level != "debug" && cfg.log_level != "info" && cfg.log_level != "warn" && cfg.log_level != "error")
        return fail(errc::invalid_request, "log_level: must be debug, info, warn or error");
    cfg.access_log = vm["access_log"].as<bool>();
    cfg.read_timeout = std::chrono::milliseconds(vm["read_timeout"].as<unsigned>());
    cfg.idle_timeout = std::chrono::milliseconds(vm["idle_timeout"].as<unsigned>());
    cfg.max_connections = vm["max_connections"].as<unsigned>();
    if (cfg.read_timeout.count() == 0) return fail(errc::invalid_request, "read_timeout: must be at least 1 ms");
    if (cfg.idle_timeout.count() == 0) return fail(errc::invalid_request, "idle_timeout: must be at least 1 ms");
    if (cfg.max_connections == 0) return fail(errc::invalid_request, "max_connections: must be at least 1");
    auto proxies = trusted_proxies::parse(vm["trusted_proxies"].as<std::string>());
    if (!proxies) return proxies.error();
    cfg.proxies = std::move(*proxies);
    return cfg;
}

}  // namespace

outcome<config_request> load_config(int argc, char const* const* argv, config_use use) {
    auto desc = describe_options();
    config_request request;
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        std::string unknown_variable;
        auto mapper = [&](std::string const& name) {
            auto key = env_to_key(name);
            if (key.empty() || desc.find_nothrow(key, false)) return key;
            if (unknown_variable.empty()) unknown_variable = name;
            return std::string();
        };
        po::store(po::parse_environment(desc, mapper), vm);
        if (!unknown_variable.empty())
            return fail(errc::invalid_request, unknown_variable + ": unknown setting (see --help for every key)");
        if (vm.count("config")) {
            auto path = vm["config"].as<std::string>();
            std::ifstream file(path);
            if (!file) return fail(errc::invalid_request, "config: cannot read '" + path + "'");
            po::store(po::parse_config_file(file, desc), vm);
        }
        po::notify(vm);
    } catch (po::unknown_option const& e) {
        return fail(errc::invalid_request, e.get_option_name() + ": unknown setting (see --help for every key)");
    } catch (po::error const& e) {
        return fail(errc::invalid_request, e.what());
    }
    if (vm.count("help")) {
        std::ostringstream text;
        text << desc;
        request.help = true;
        request.help_text = text.str();
        return request;
    }
    auto cfg = to_config(vm, use);
    if (!cfg) return cfg.error();
    request.cfg = std::move(*cfg);
    return request;
}

}  // namespace moonkey
