#pragma once
// Email over SMTP: many messages per connection (kept open between batches), STARTTLS when the
// server offers it (required for smtp:// URLs with credentials), implicit TLS for smtps://, AUTH
// PLAIN/LOGIN when credentials are given; multipart/alternative plain text and HTML with Date,
// Message-ID, MIME-Version and the message id as a header for idempotency.

#include "moonkey/delivery/provider.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace moonkey {

struct smtp_options {
    std::string url;   // smtp://user:pass@host:port or smtps://user:pass@host:port
    std::string from;  // "MoonKey <no-reply@example.com>" or an address
    std::chrono::milliseconds timeout{10000};
    bool verify_tls = true;  // verify the server certificate (tests with self-signed servers turn it off)
};

class smtp_provider final : public provider {
public:
    smtp_provider(boost::asio::any_io_executor ex, smtp_options opts);
    ~smtp_provider() override;

    boost::asio::awaitable<std::vector<delivery_result>> send(std::span<outbound_message const> batch) override;
    std::string_view name() const override { return "smtp"; }
    void stop() override;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace moonkey
