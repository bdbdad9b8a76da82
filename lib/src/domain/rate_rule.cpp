#include "moonkey/domain/rate_rule.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace moonkey {
namespace {

struct unit {
    char suffix;
    std::int64_t seconds;
    char const* singular;
    char const* plural;
};

constexpr unit units[] = {{'d', 86400, "day", "days"},
                          {'h', 3600, "hour", "hours"},
                          {'m', 60, "minute", "minutes"},
                          {'s', 1, "second", "seconds"}};

constexpr std::int64_t max_count = 1'000'000'000;
constexpr std::int64_t max_window = 366 * 86400;

bool parse_number(std::string_view text, std::int64_t& out) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::optional<rate_rule> parse_one(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos || text.size() < slash + 3) return std::nullopt;
    rate_rule rule;
    std::int64_t amount = 0;
    if (!parse_number(text.substr(0, slash), rule.count) || rule.count < 1 || rule.count > max_count) return std::nullopt;
    auto window = text.substr(slash + 1);
    if (!parse_number(window.substr(0, window.size() - 1), amount) || amount < 1) return std::nullopt;
    for (auto const& u : units) {
        if (window.back() != u.suffix) continue;
        if (amount > max_window / u.seconds) return std::nullopt;
        rule.window_seconds = amount * u.seconds;
        return rule;
    }
    return std::nullopt;
}

}  // namespace

outcome<rate_rules> parse_rate_rules(std::string_view text) {
    rate_rules rules;
    if (text == "off") return rules;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto rule = parse_one(text.substr(0, comma));
        if (!rule)
            return fail(errc::invalid_request,
                        "write limits as N/window joined by commas, windows in s, m, h or d (for example "
                        "1/30s,5/10m,20/1d), or off");
        rules.push_back(*rule);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
        if (text.empty()) return fail(errc::invalid_request, "a limit list must not end with a comma");
    }
    if (rules.empty()) return fail(errc::invalid_request, "write at least one limit such as 5/10m, or off");
    return rules;
}

std::string format_rate_rules(rate_rules const& rules) {
    if (rules.empty()) return "off";
    std::string out;
    for (auto const& rule : rules) {
        if (!out.empty()) out += ',';
        for (auto const& u : units) {
            if (rule.window_seconds % u.seconds != 0) continue;
            out += std::to_string(rule.count) + '/' + std::to_string(rule.window_seconds / u.seconds) + u.suffix;
            break;
        }
    }
    return out;
}

std::string describe_rate_rule(rate_rule rule) {
    for (auto const& u : units) {
        if (rule.window_seconds % u.seconds != 0) continue;
        auto amount = rule.window_seconds / u.seconds;
        auto window = amount == 1 ? std::string(u.singular) : std::to_string(amount) + ' ' + u.plural;
        return std::to_string(rule.count) + " per " + window;
    }
    return std::to_string(rule.count) + " per " + std::to_string(rule.window_seconds) + " seconds";
}

rate_rules halved(rate_rules rules) {
    for (auto& rule : rules) rule.count = std::max<std::int64_t>(1, rule.count / 2);
    return rules;
}

}  // namespace moonkey
