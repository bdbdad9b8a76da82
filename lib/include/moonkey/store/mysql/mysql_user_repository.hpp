#pragma once
// The user repository on MySQL/MariaDB: each call is one job on the worker pool.

#include "moonkey/store/mysql/worker_pool.hpp"
#include "moonkey/store/user_repository.hpp"

namespace moonkey::mysql {

class mysql_user_repository final : public user_repository {
public:
    explicit mysql_user_repository(worker_pool& pool) : pool_(pool) {}

    async_outcome<user_record> create_user(new_user user) override;
    async_outcome<user_record> find_user(tenant owner, std::string user_id) override;
    async_outcome<user_record> update_user(user_changes changes) override;
    async_outcome<void> delete_user(tenant owner, std::string user_id) override;
    async_outcome<user_page> search_users(user_query query) override;
    async_outcome<std::string> delete_email(tenant owner, std::string email_id, std::int64_t now) override;
    async_outcome<std::string> delete_phone_number(tenant owner, std::string phone_number_id,
                                                   std::int64_t now) override;

private:
    worker_pool& pool_;
};

}  // namespace moonkey::mysql
