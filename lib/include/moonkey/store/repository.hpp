#pragma once
// The domain's view of storage: async calls that return values or errors, never SQL.

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/error.hpp"
#include "moonkey/delivery/message.hpp"
#include "moonkey/domain/api_key.hpp"
#include "moonkey/domain/channel.hpp"
#include "moonkey/domain/app_settings.hpp"
#include "moonkey/domain/device_fingerprint.hpp"
#include "moonkey/store/session_records.hpp"
#include "moonkey/domain/tenant.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace moonkey {

class user_repository;
class idempotency_repository;

template <class T>
using async_outcome = boost::asio::awaitable<outcome<T>>;

struct api_key_record {
    tenant owner;
    std::string app_name;
    key_kind kind;
    bool revoked = false;
    app_settings settings;
};

// Everything one login_or_create transaction writes.
struct login_request {
    tenant owner;
    channel via;
    std::string destination;  // normalized
    bool requires_verification = false;
    bool create_if_missing = true;  // false: phone_number_not_found / email_not_found instead
    bool queue_message = true;      // false for sandbox destinations
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
    std::int64_t lease_until = 0;  // the sending instance's lease on the outbox row
    limit_plan limits;             // abuse-limit counters, passed or refused in the same transaction
};

struct login_result {
    std::string user_id;
    std::string method_id;
    bool user_created = false;
    bool active = false;
};

// A key as `moonkeyctl key list` shows it: never the key itself.
struct api_key_info {
    std::string id;
    environment env;
    key_kind kind;
    std::string display_prefix;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> revoked_at;
};

// An outbox row claimed for sending after its lease ran out (a crash, a full queue, a restart).
struct claimed_message {
    std::string id;
    tenant owner;
    channel via;
    std::string to;
    std::string sealed_code;
    std::string locale;
    std::int64_t expires_at = 0;
    std::int64_t created_at = 0;
    int attempts = 0;
    std::int64_t lease_until = 0;
    std::string app_name;
    std::string app_settings_json;
};

struct failed_message {
    std::string id;
    std::string reason;
};

struct new_app_key {
    std::string id;  // "key_…"
    crypto::digest digest;
    std::string display_prefix;
    environment env;
    key_kind kind;
};

// Returns the stored form of a new key: a new id, its digest and display prefix.
new_app_key new_app_key_for(std::string const& key, environment env, key_kind kind);

// The kinds of store work a request brings, for admission before the request is even parsed.
enum class store_work {
    login,  // login_or_create and send: one batched transaction
    other,  // every other call
};

class repository {
public:
    virtual ~repository() = default;

    // Returns the key's owner, or nullopt for an unknown key; service_unavailable if the database is.
    virtual async_outcome<std::optional<api_key_record>> find_api_key(crypto::digest digest) = 0;

    // Finds or creates the user and method, replaces the method's code and queues its message, in one
    // transaction that also counts the request on its abuse limits. Returns who logged in;
    // too_many_requests when a limit refuses; service_unavailable if the database is.
    virtual async_outcome<login_result> login_or_create(login_request request) = 0;

    // Checks a code and, when it is right, consumes it, verifies the method, activates the user and
    // creates or extends the session, in one transaction. A wrong code's counter is kept even though
    // the answer is an error; so is the request's count on the verify limits. Errors: too_many_requests,
    // otp_not_found, the verdict's refusal, session_not_found.
    virtual async_outcome<verify_result> verify_otp(verify_request request) = 0;

    // Returns the live session (touching last_active_at, and setting expires_at when given), or
    // session_not_found for an unknown, expired or other tenant's session.
    virtual async_outcome<session_record> touch_session(tenant owner, session_selector selector, std::int64_t now,
                                                        std::optional<std::int64_t> expires_at) = 0;

    // Returns the user's live sessions; user_not_found for an unknown user.
    virtual async_outcome<std::vector<session_record>> list_sessions(tenant owner, std::string user_id,
                                                                     std::int64_t now) = 0;

    // Deletes a session; session_not_found when there is none.
    virtual async_outcome<void> delete_session(tenant owner, session_selector selector) = 0;

    // Returns every JWT signing key, newest first.
    virtual async_outcome<std::vector<jwt_key_row>> load_jwt_keys() = 0;

    // Adds a signing key and sets retire_at on every key that had none.
    virtual async_outcome<void> add_jwt_key(jwt_key_row key, std::int64_t retire_others_at) = 0;

    // Changes an app's settings with `change(current JSON) -> new JSON`; not_found for an unknown app.
    virtual async_outcome<void> update_app_settings(
        std::string app_id, std::function<outcome<std::string>(std::string const&)> change) = 0;

    // Marks messages sent, in one statement.
    virtual async_outcome<void> mark_sent(std::vector<std::string> message_ids, std::int64_t now) = 0;

    // Marks messages failed for good, with the provider's reason.
    virtual async_outcome<void> mark_failed(std::vector<failed_message> messages, std::int64_t now) = 0;

    // Marks messages expired: their codes ran out before they could be sent.
    virtual async_outcome<void> mark_expired(std::vector<std::string> message_ids) = 0;

    // Keeps messages leased to this instance until `lease_until` (a retry is scheduled).
    virtual async_outcome<void> extend_lease(std::vector<std::string> message_ids, std::int64_t lease_until) = 0;

    // Deletes up to `limit` messages that are done (sent, failed or expired) and whose lease ended
    // before `done_before`; returns how many. Pending messages stay, however old.
    virtual async_outcome<std::size_t> purge_outbox(std::int64_t done_before, unsigned limit) = 0;

    // Claims up to `limit` pending messages whose lease ran out (SELECT … FOR UPDATE SKIP LOCKED, so
    // two instances never claim the same row), leasing them until `lease_until`; marks pending
    // messages whose code expired as expired on the way.
    virtual async_outcome<std::vector<claimed_message>> claim_due_messages(std::int64_t now, std::int64_t lease_until,
                                                                           unsigned limit) = 0;

    // Creates an app with its keys.
    virtual async_outcome<void> create_app(std::string app_id, std::string name, std::vector<new_app_key> keys,
                                           std::int64_t now) = 0;

    // Adds keys to an existing app; not_found for an unknown app.
    virtual async_outcome<void> add_api_keys(std::string app_id, std::vector<new_app_key> keys, std::int64_t now) = 0;

    // Returns the app's keys, oldest first; not_found for an unknown app.
    virtual async_outcome<std::vector<api_key_info>> list_api_keys(std::string app_id) = 0;

    // Revokes a key (every instance refuses it once its key cache entry expires, within 5 s);
    // not_found for an unknown or already revoked key.
    virtual async_outcome<void> revoke_api_key(std::string key_id, std::int64_t now) = 0;

    // Deletes up to `limit` abuse-limit counters that hold nothing any more at `now`; returns how many.
    virtual async_outcome<std::size_t> purge_limit_counters(std::int64_t now, unsigned limit) = 0;

    // Returns success when the database answers.
    virtual async_outcome<void> ping() = 0;

    // Returns true when a call of `work` made now would be refused with service_unavailable because
    // the store is overloaded (its queue holds more than its wait bound). Cheap and lock-free: asked
    // for every request before its body is parsed. A store without admission control never sheds.
    virtual bool sheds(store_work work) const noexcept {
        (void)work;
        return false;
    }

    // The storage of the user-management API.
    virtual user_repository& users() = 0;

    // The storage of Idempotency-Key records.
    virtual idempotency_repository& idempotency() = 0;
};

}  // namespace moonkey
