#pragma once
// Runs a unit of work in one transaction, retried when MariaDB reports a deadlock, a lock wait
// timeout or a unique-key race (a concurrent request inserted the same row first).

#include "moonkey/store/mysql/connection.hpp"

#include <cppconn/exception.h>

namespace moonkey::mysql {

inline constexpr int transaction_attempts = 5;

// True for the errors a unit of work is tried again after: deadlock, lock wait timeout, and a
// unique-key race (a concurrent request inserted the same row first).
inline bool retryable_error(int code) {
    return code == server_error::deadlock || code == server_error::lock_wait_timeout ||
           code == server_error::duplicate_entry;
}

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
            if (!retryable_error(e.getErrorCode()) || attempt == transaction_attempts) throw;
        }
    }
}

// Returns fn()'s result, for a unit of work whose scripts open and commit its transaction themselves
// (sql_script: START TRANSACTION goes with the first reads and COMMIT with the last writes, so that
// the transaction costs no round trip of its own): rolled back, and tried again like in_transaction,
// when a statement fails.
template <class Fn>
auto in_scripted_transaction(connection& conn, Fn&& fn) -> decltype(fn()) {
    for (int attempt = 1;; ++attempt) {
        try {
            return fn();
        } catch (sql::SQLException const& e) {
            if (is_connection_lost(e.getErrorCode())) throw;
            conn.rollback();
            if (!retryable_error(e.getErrorCode()) || attempt == transaction_attempts) throw;
        } catch (...) {
            conn.rollback();
            throw;
        }
    }
}

// Returns fn()'s outcome, for a unit of work that is a single autocommitted statement (atomic on
// its own, one round trip instead of three): tried again like a transaction on the same errors.
template <class Fn>
auto in_one_statement(Fn&& fn) -> decltype(fn()) {
    for (int attempt = 1;; ++attempt) {
        try {
            return fn();
        } catch (sql::SQLException const& e) {
            if (!retryable_error(e.getErrorCode()) || attempt == transaction_attempts) throw;
        }
    }
}

}  // namespace moonkey::mysql
