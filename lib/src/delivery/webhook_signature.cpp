#include "moonkey/delivery/webhook_signature.hpp"

#include "moonkey/core/crypto.hpp"

namespace moonkey {

std::string webhook_key(std::string_view secret) {
    constexpr std::string_view prefix = "whsec_";
    if (secret.starts_with(prefix)) {
        if (auto key = crypto::base64_decode(secret.substr(prefix.size()))) return std::move(*key);
    }
    return std::string(secret);
}

std::string webhook_signature(std::string_view secret, std::string_view id, std::int64_t timestamp,
                              std::string_view body) {
    std::string signed_content;
    signed_content.reserve(id.size() + body.size() + 24);
    signed_content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    auto const mac = crypto::hmac_sha256(webhook_key(secret), signed_content);
    return "v1,"
           + crypto::base64_encode(std::string_view(reinterpret_cast<char const*>(mac.data()), mac.size()));
}

}  // namespace moonkey
