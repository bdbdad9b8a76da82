#pragma once
// Idempotency keys: the record of a POST that carried an `Idempotency-Key`, so that its retries get
// its answer instead of running it again. Scoped by the caller's tenant; the key and the request are
// stored as SHA-256 digests only.

#include "moonkey/store/repository.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace moonkey {

enum class idempotency_state {
    running,   // the first request is still executing
    done,      // its final answer is stored
    withheld,  // its answer carried session credentials, which are not stored
};

// A key as another request with it finds it.
struct idempotency_record {
    idempotency_state state = idempotency_state::running;
    crypto::digest request_digest{};
    int status = 0;              // done and withheld
    std::string response_body;   // done: the answer; withheld: the answer without its credentials
};

struct idempotency_claim_request {
    tenant owner;
    crypto::digest key_digest{};
    crypto::digest request_digest{};
    std::int64_t now = 0;
    std::int64_t lease_until = 0;     // how long the claim holds; also names the claim (see complete)
    std::int64_t expired_before = 0;  // a row created before this counts as absent
};

// Either this request now holds the key (`acquired`), or `existing` is what another request left.
struct idempotency_claim {
    bool acquired = false;
    idempotency_record existing;
};

class idempotency_repository {
public:
    virtual ~idempotency_repository() = default;

    // Takes the key for this request, marked running until lease_until, when it is new, expired, or
    // held by the same request running past its lease (an instance crashed); otherwise returns the
    // record found. Concurrent
    // claims of one key: exactly one acquires. Errors: service_unavailable.
    virtual async_outcome<idempotency_claim> claim(idempotency_claim_request request) = 0;

    // Stores the final answer (state done or withheld) of the claim made with `lease_until`; does
    // nothing when that claim was taken over meanwhile. Errors: service_unavailable.
    virtual async_outcome<void> complete(tenant owner, crypto::digest key_digest, std::int64_t lease_until,
                                         idempotency_state state, int status, std::string response_body) = 0;

    // Deletes the running claim made with `lease_until`, so that a retry executes again.
    // Errors: service_unavailable.
    virtual async_outcome<void> release(tenant owner, crypto::digest key_digest, std::int64_t lease_until) = 0;

    // Deletes at most `limit` rows created before `before`; returns how many went.
    // Errors: service_unavailable.
    virtual async_outcome<std::size_t> purge(std::int64_t before, unsigned limit) = 0;
};

}  // namespace moonkey
