#include "moonkey/domain/tenant.hpp"

namespace moonkey {

std::string_view to_string(environment env) {
    switch (env) {
        case environment::test:
            return "test";
        case environment::live:
            return "live";
    }
    return "unknown";
}

std::optional<environment> parse_environment(std::string_view text) {
    if (text == "test") return environment::test;
    if (text == "live") return environment::live;
    return std::nullopt;
}

}  // namespace moonkey
