#pragma once
// The webhook provider: each batch is POSTed as {"messages":[…]} to one URL, signed per the Standard
// Webhooks scheme (webhook-id one per batch, webhook-timestamp, webhook-signature "v1,<base64
// HMAC-SHA256(secret, id.timestamp.body)>"; a secret written whsec_… is base64-decoded after the
// prefix, any other is used as its bytes). Any 2xx means the whole batch was sent.

#include "moonkey/delivery/provider.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace moonkey {

struct webhook_options {
    std::string url;     // http:// or https://
    std::string secret;  // whsec_<base64> or raw bytes
    std::chrono::milliseconds timeout{5000};
};

class webhook_provider final : public provider {
public:
    webhook_provider(boost::asio::any_io_executor ex, webhook_options opts);
    ~webhook_provider() override;

    boost::asio::awaitable<std::vector<delivery_result>> send(std::span<outbound_message const> batch) override;
    std::string_view name() const override { return "webhook"; }
    void stop() override;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace moonkey
