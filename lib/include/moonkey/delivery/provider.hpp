#pragma once
// A way out for messages: console, webhook, Twilio, SMTP.

#include "moonkey/core/error.hpp"
#include "moonkey/delivery/message.hpp"

#include <boost/asio/awaitable.hpp>

#include <span>
#include <string_view>

namespace moonkey {

class provider {
public:
    virtual ~provider() = default;

    // Sends a batch. Returns success when the provider accepted every message of it.
    virtual boost::asio::awaitable<outcome<void>> send(std::span<outbound_message const> batch) = 0;

    virtual std::string_view name() const = 0;
};

}  // namespace moonkey
