#pragma once
// The repository on MySQL/MariaDB: each call is one job on the worker pool; login_or_create runs in
// batches on its own pool (few workers, so that concurrent requests wait together and share a commit).

#include "moonkey/store/mysql/mysql_idempotency_repository.hpp"
#include "moonkey/store/mysql/mysql_user_repository.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"
#include "moonkey/store/repository.hpp"

namespace moonkey::mysql {

class mysql_repository final : public repository {
public:
    mysql_repository(worker_pool& pool, worker_pool& batch_pool)
        : pool_(pool), batch_pool_(batch_pool), users_(pool), idempotency_(pool) {}
    explicit mysql_repository(worker_pool& pool) : mysql_repository(pool, pool) {}

    async_outcome<std::optional<api_key_record>> find_api_key(crypto::digest digest) override;
    async_outcome<login_result> login_or_create(login_request request) override;
    async_outcome<verify_result> verify_otp(verify_request request) override;
    async_outcome<session_record> touch_session(tenant owner, session_selector selector, std::int64_t now,
                                                std::optional<std::int64_t> expires_at) override;
    async_outcome<std::vector<session_record>> list_sessions(tenant owner, std::string user_id,
                                                             std::int64_t now) override;
    async_outcome<void> delete_session(tenant owner, session_selector selector) override;
    async_outcome<std::vector<jwt_key_row>> load_jwt_keys() override;
    async_outcome<void> add_jwt_key(jwt_key_row key, std::int64_t retire_others_at) override;
    async_outcome<void> update_app_settings(std::string app_id,
                                            std::function<outcome<std::string>(std::string const&)> change) override;
    async_outcome<void> mark_sent(std::vector<std::string> message_ids, std::int64_t now) override;
    async_outcome<void> mark_failed(std::vector<failed_message> messages, std::int64_t now) override;
    async_outcome<void> mark_expired(std::vector<std::string> message_ids) override;
    async_outcome<void> extend_lease(std::vector<std::string> message_ids, std::int64_t lease_until) override;
    async_outcome<std::size_t> purge_outbox(std::int64_t done_before, unsigned limit) override;
    async_outcome<std::vector<claimed_message>> claim_due_messages(std::int64_t now, std::int64_t lease_until,
                                                                   unsigned limit) override;
    async_outcome<void> create_app(std::string app_id, std::string name, std::vector<new_app_key> keys,
                                   std::int64_t now) override;
    async_outcome<void> add_api_keys(std::string app_id, std::vector<new_app_key> keys, std::int64_t now) override;
    async_outcome<std::vector<api_key_info>> list_api_keys(std::string app_id) override;
    async_outcome<void> revoke_api_key(std::string key_id, std::int64_t now) override;
    async_outcome<std::size_t> purge_limit_counters(std::int64_t now, unsigned limit) override;
    async_outcome<void> ping() override;
    bool sheds(store_work work) const noexcept override {
        return work == store_work::login ? batch_pool_.sheds() : pool_.sheds();
    }
    user_repository& users() override { return users_; }
    idempotency_repository& idempotency() override { return idempotency_; }

private:
    worker_pool& pool_;
    worker_pool& batch_pool_;
    mysql_user_repository users_;
    mysql_idempotency_repository idempotency_;
};

}  // namespace moonkey::mysql
