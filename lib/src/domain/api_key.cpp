#include "moonkey/domain/api_key.hpp"

#include <algorithm>
#include <array>

namespace moonkey {

namespace {

struct key_prefix {
    std::string_view text;
    key_kind kind;
    environment env;
};

constexpr std::array<key_prefix, 4> key_prefixes{{
    {"sk_test_", key_kind::secret, environment::test},
    {"sk_live_", key_kind::secret, environment::live},
    {"pk_test_", key_kind::public_token, environment::test},
    {"pk_live_", key_kind::public_token, environment::live},
}};

constexpr std::size_t random_length = 32;
constexpr std::size_t max_random_length = 64;
constexpr std::size_t display_random_length = 4;

bool is_base62(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

key_prefix const* find_prefix(std::string_view key) {
    auto const it = std::find_if(key_prefixes.begin(), key_prefixes.end(),
                                 [key](key_prefix const& p) { return key.starts_with(p.text); });
    return it == key_prefixes.end() ? nullptr : &*it;
}

std::string_view prefix_for(key_kind kind, environment env) {
    for (auto const& p : key_prefixes)
        if (p.kind == kind && p.env == env) return p.text;
    return key_prefixes.front().text;  // unreachable: every pair has a prefix
}

}  // namespace

std::string generate_api_key(key_kind kind, environment env) {
    return std::string(prefix_for(kind, env)) + crypto::random_base62(random_length);
}

crypto::digest api_key_digest(std::string_view key) {
    return crypto::sha256(key);
}

std::optional<key_claim> parse_api_key(std::string_view key) {
    auto const prefix = find_prefix(key);
    if (prefix == nullptr) return std::nullopt;
    auto const rest = key.substr(prefix->text.size());
    if (rest.size() < random_length || rest.size() > max_random_length) return std::nullopt;
    if (!std::all_of(rest.begin(), rest.end(), is_base62)) return std::nullopt;
    return key_claim{prefix->kind, prefix->env};
}

std::string api_key_display_prefix(std::string_view key) {
    auto const prefix = find_prefix(key);
    if (prefix == nullptr) return {};
    if (!parse_api_key(key)) return std::string(prefix->text);
    return std::string(key.substr(0, prefix->text.size() + display_random_length));
}

std::string_view to_string(key_kind kind) {
    switch (kind) {
        case key_kind::secret:
            return "secret";
        case key_kind::public_token:
            return "public";
    }
    return "unknown";
}

}  // namespace moonkey
