#pragma once
// One core's cache of API key lookups, so that a request costs no database round trip for its key.
// Entries live at most `ttl`, which bounds how long a revoked key keeps working on this instance.

#include "moonkey/store/repository.hpp"

#include <chrono>
#include <map>
#include <optional>

namespace moonkey {

class key_cache {
public:
    key_cache(repository& repo, std::chrono::milliseconds ttl = std::chrono::seconds(5), std::size_t capacity = 10000)
        : repo_(repo), ttl_(ttl), capacity_(capacity) {}

    // Returns the key's record (nullopt when unknown), from the cache or the repository.
    async_outcome<std::optional<api_key_record>> find(crypto::digest const& digest);

private:
    struct entry {
        std::optional<api_key_record> record;
        std::chrono::steady_clock::time_point expires;
    };
    repository& repo_;
    std::chrono::milliseconds ttl_;
    std::size_t capacity_;
    std::map<crypto::digest, entry> entries_;
};

}  // namespace moonkey
