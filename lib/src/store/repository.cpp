#include "moonkey/store/repository.hpp"

#include "moonkey/domain/ksuid.hpp"

namespace moonkey {

new_app_key new_app_key_for(std::string const& key, environment env, key_kind kind) {
    return new_app_key{new_id("key_"), api_key_digest(key), api_key_display_prefix(key), env, kind};
}

}  // namespace moonkey
