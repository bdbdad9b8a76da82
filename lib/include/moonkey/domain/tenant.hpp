#pragma once
// Apps and their two environments, whose data never mix.

#include <optional>
#include <string>
#include <string_view>

namespace moonkey {

enum class environment { test, live };

std::string_view to_string(environment env);
std::optional<environment> parse_environment(std::string_view text);

}  // namespace moonkey

namespace moonkey {

// The app and environment a request acts in, as its API key says.
struct tenant {
    std::string app_id;
    environment env;
};

}  // namespace moonkey
