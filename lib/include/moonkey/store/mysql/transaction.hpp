#pragma once
// Runs a unit of work in one transaction, retried when MariaDB reports a deadlock, a lock wait
// timeout or a unique-key race (a concurrent request inserted the same row first).

#include "moonkey/store/mysql/connection.hpp"

#include <cppconn/exception.h>

namespace moonkey::mysql {

inline constexpr int transaction_attempts = 5;

// Returns fn()'s outcome, committed when it holds a value and rolled back when it holds an error.
template <class Fn>
auto in_transaction(connection& conn, Fn&& fn) -> decltype(fn()) {
    for (int attempt = 1;; ++attempt) {
        conn.begin();
        try {
            auto result = fn();
            if (result) {
                conn.commit();
            } else {
                conn.rollback();
            }
            return result;
        } catch (sql::SQLException const& e) {
            if (is_connection_lost(e.getErrorCode())) throw;
            conn.rollback();
            bool retryable = e.getErrorCode() == server_error::deadlock ||
                             e.getErrorCode() == server_error::lock_wait_timeout ||
                             e.getErrorCode() == server_error::duplicate_entry;
            if (!retryable || attempt == transaction_attempts) throw;
        }
    }
}

}  // namespace moonkey::mysql
