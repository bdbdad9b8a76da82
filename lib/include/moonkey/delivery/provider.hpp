#pragma once
// A way out for messages: console, webhook, Twilio, SMTP. One instance per core, used from that
// core's thread only.

#include "moonkey/delivery/message.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moonkey {

// What became of one message of a batch.
struct delivery_result {
    enum class outcome { sent, retry, failed } what = outcome::sent;
    std::string reason;                                // for retry and failed: the provider's words
    std::optional<std::chrono::milliseconds> retry_after;  // for retry: the provider's Retry-After

    static delivery_result sent() { return {}; }
    static delivery_result retry(std::string why, std::optional<std::chrono::milliseconds> after = std::nullopt) {
        return {outcome::retry, std::move(why), after};
    }
    static delivery_result failed(std::string why) { return {outcome::failed, std::move(why), std::nullopt}; }
};

class provider {
public:
    virtual ~provider() = default;

    // Sends a batch; returns one result per message, in order. Never throws: a transport error is
    // `retry` for every message it touched, a refusal that will not change (bad number, bad
    // credentials rejected as permanent by the provider) is `failed`. Each message's id is its
    // idempotency key at the provider.
    virtual boost::asio::awaitable<std::vector<delivery_result>> send(std::span<outbound_message const> batch) = 0;

    virtual std::string_view name() const = 0;

    // Closes kept-alive connections; the provider may not be used afterwards.
    virtual void stop() {}
};

}  // namespace moonkey
