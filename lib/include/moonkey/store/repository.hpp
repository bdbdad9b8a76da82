#pragma once
// The domain's view of storage: async calls that return values or errors, never SQL.

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/error.hpp"
#include "moonkey/delivery/message.hpp"
#include "moonkey/domain/api_key.hpp"
#include "moonkey/domain/channel.hpp"
#include "moonkey/domain/tenant.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace moonkey {

template <class T>
using async_outcome = boost::asio::awaitable<outcome<T>>;

struct api_key_record {
    tenant owner;
    std::string app_name;
    key_kind kind;
    bool revoked = false;
};

struct device_fingerprint {
    std::string ip;
    std::string user_agent;
};

// Everything one login_or_create transaction writes.
struct login_request {
    tenant owner;
    channel via;
    std::string destination;  // normalized
    bool requires_verification = false;
    std::string new_user_id;    // used if the user is created
    std::string new_method_id;  // used if the phone number or email is created
    // Computes the stored form of the code once the method id is known.
    std::function<crypto::digest(std::string_view method_id)> code_digest;
    std::int64_t now = 0;
    std::int64_t expires_at = 0;
    device_fingerprint fingerprint;
    std::string message_id;
    std::string sealed_code;
    std::string locale;
};

struct login_result {
    std::string user_id;
    std::string method_id;
    bool user_created = false;
    bool active = false;
};

struct new_app_key {
    crypto::digest digest;
    std::string display_prefix;
    environment env;
    key_kind kind;
};

class repository {
public:
    virtual ~repository() = default;

    // Returns the key's owner, or nullopt for an unknown key; service_unavailable if the database is.
    virtual async_outcome<std::optional<api_key_record>> find_api_key(crypto::digest digest) = 0;

    // Finds or creates the user and method, replaces the method's code and queues its message, in one
    // transaction. Returns who logged in; service_unavailable if the database is.
    virtual async_outcome<login_result> login_or_create(login_request request) = 0;

    // Marks messages sent, in one statement.
    virtual async_outcome<void> mark_sent(std::vector<std::string> message_ids, std::int64_t now) = 0;

    // Creates an app with its keys.
    virtual async_outcome<void> create_app(std::string app_id, std::string name, std::vector<new_app_key> keys,
                                           std::int64_t now) = 0;

    // Returns success when the database answers.
    virtual async_outcome<void> ping() = 0;
};

}  // namespace moonkey
