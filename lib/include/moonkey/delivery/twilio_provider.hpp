#pragma once
// SMS through the Twilio Messages API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json, form
// encoded (To, From, Body), HTTP Basic auth (sid:token), over kept-alive HTTP(S) connections from the
// core's own loop, at most `max_concurrency` requests in flight. 429/5xx/timeouts are retried (with
// Retry-After), other 4xx fail the message with Twilio's message.

#include "moonkey/delivery/provider.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace moonkey {

struct twilio_options {
    std::string base_url = "https://api.twilio.com";
    std::string account_sid;
    std::string auth_token;
    std::string from;  // E.164 sender or messaging service SID (MG…)
    std::chrono::milliseconds timeout{10000};
    unsigned max_concurrency = 8;
};

class twilio_provider final : public provider {
public:
    twilio_provider(boost::asio::any_io_executor ex, twilio_options opts);
    ~twilio_provider() override;

    boost::asio::awaitable<std::vector<delivery_result>> send(std::span<outbound_message const> batch) override;
    std::string_view name() const override { return "twilio"; }
    void stop() override;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace moonkey
