#pragma once
// The idempotency-key repository on MySQL/MariaDB: each call is one job on the worker pool.

#include "moonkey/store/idempotency_repository.hpp"
#include "moonkey/store/mysql/worker_pool.hpp"

namespace moonkey::mysql {

class mysql_idempotency_repository final : public idempotency_repository {
public:
    explicit mysql_idempotency_repository(worker_pool& pool) : pool_(pool) {}

    async_outcome<idempotency_claim> claim(idempotency_claim_request request) override;
    async_outcome<void> complete(tenant owner, crypto::digest key_digest, std::int64_t lease_until,
                                 idempotency_state state, int status, std::string response_body) override;
    async_outcome<void> release(tenant owner, crypto::digest key_digest, std::int64_t lease_until) override;
    async_outcome<std::size_t> purge(std::int64_t before, unsigned limit) override;

private:
    worker_pool& pool_;
};

}  // namespace moonkey::mysql
