#pragma once
// The repository on MySQL/MariaDB: each call is one job on the worker pool.

#include "moonkey/store/mysql/worker_pool.hpp"
#include "moonkey/store/repository.hpp"

namespace moonkey::mysql {

class mysql_repository final : public repository {
public:
    explicit mysql_repository(worker_pool& pool) : pool_(pool) {}

    async_outcome<std::optional<api_key_record>> find_api_key(crypto::digest digest) override;
    async_outcome<login_result> login_or_create(login_request request) override;
    async_outcome<void> mark_sent(std::vector<std::string> message_ids, std::int64_t now) override;
    async_outcome<void> create_app(std::string app_id, std::string name, std::vector<new_app_key> keys,
                                   std::int64_t now) override;
    async_outcome<void> ping() override;

private:
    worker_pool& pool_;
};

}  // namespace moonkey::mysql
