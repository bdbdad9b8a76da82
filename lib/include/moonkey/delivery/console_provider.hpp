#pragma once
// The development provider: one JSON line per message on stdout, with the code, so that a
// developer can log in without an SMS or email account. Never configure it in production.

#include "moonkey/delivery/provider.hpp"

namespace moonkey {

class console_provider final : public provider {
public:
    boost::asio::awaitable<std::vector<delivery_result>> send(std::span<outbound_message const> batch) override;
    std::string_view name() const override { return "console"; }
};

}  // namespace moonkey
