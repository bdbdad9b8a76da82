#include "moonkey/api/key_cache.hpp"

namespace moonkey {

async_outcome<std::optional<api_key_record>> key_cache::find(crypto::digest const& digest) {
    auto now = std::chrono::steady_clock::now();
    if (auto it = entries_.find(digest); it != entries_.end()) {
        if (it->second.expires > now) co_return it->second.record;
        entries_.erase(it);
    }
    auto found = co_await repo_.find_api_key(digest);
    if (!found) co_return found.error();
    if (entries_.size() >= capacity_) entries_.clear();
    entries_[digest] = entry{*found, now + ttl_};
    co_return *found;
}

}  // namespace moonkey
