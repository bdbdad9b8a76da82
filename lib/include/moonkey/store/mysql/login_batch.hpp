#pragma once
// login_or_create for several requests in one transaction and one commit. Each statement serves the
// whole batch (one multi-row INSERT per table, one SELECT per app and channel), and the statements go
// in two scripts (sql_script): the locking reads with START TRANSACTION, the writes with COMMIT. A
// batch of any size costs two round trips.

#include "moonkey/store/mysql/worker_pool.hpp"
#include "moonkey/store/repository.hpp"

namespace moonkey::mysql {

// Runs `requests` in one transaction (tried again on a deadlock or a unique-key race) and returns
// each one's outcome, in order, as if they had run one after another in that order: a later request
// for the same destination finds the user an earlier one created, and limits count them in order.
// A request refused by a limit or not found writes nothing.
std::vector<outcome<login_result>> run_login_batch(connection& conn, std::vector<login_request*> const& requests);

inline constexpr batch_kind<login_request, login_result> login_batch{&run_login_batch};

}  // namespace moonkey::mysql
