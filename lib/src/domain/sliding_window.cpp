#include "moonkey/domain/sliding_window.hpp"

#include <algorithm>

namespace moonkey {
namespace {

std::int64_t longest_window(rate_rules const& rules) {
    std::int64_t longest = 0;
    for (auto const& r : rules) longest = std::max(longest, r.window_seconds);
    return longest;
}

std::size_t largest_count(rate_rules const& rules) {
    std::int64_t largest = 0;
    for (auto const& r : rules) largest = std::max(largest, r.count);
    return static_cast<std::size_t>(largest);
}

}  // namespace

window_verdict admit(rate_rules const& rules, event_log log, std::int64_t now) {
    auto horizon = now - longest_window(rules);
    log.erase(log.begin(), std::find_if(log.begin(), log.end(), [&](std::int64_t t) { return t > horizon; }));
    window_verdict verdict;
    for (auto const& rule : rules) {
        // Events inside (now - window, now]; the rule holds while there are fewer than its count.
        auto first_inside = std::find_if(log.begin(), log.end(), [&](std::int64_t t) { return t > now - rule.window_seconds; });
        auto inside = static_cast<std::int64_t>(log.end() - first_inside);
        if (inside < rule.count) continue;
        // The event that must leave the window first is the count-th most recent one.
        auto wait = *(log.end() - rule.count) + rule.window_seconds - now;
        if (wait > verdict.retry_after) {
            verdict.retry_after = wait;
            verdict.broken = rule;
        }
    }
    if (verdict.retry_after > 0) return verdict;
    // Requests are judged in the order their transactions lock the row, not the order of their
    // clocks: an event can be older than the latest one stored, and goes in its place.
    log.insert(std::upper_bound(log.begin(), log.end(), now), now);
    auto keep = largest_count(rules);
    if (log.size() > keep) log.erase(log.begin(), log.end() - static_cast<std::ptrdiff_t>(keep));
    verdict.allowed = true;
    verdict.log = std::move(log);
    return verdict;
}

std::string pack_events(event_log const& log) {
    std::string out;
    out.reserve(log.size() * 4);
    for (auto t : log) {
        auto v = static_cast<std::uint32_t>(t);
        for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((v >> shift) & 0xff);
    }
    return out;
}

event_log unpack_events(std::string_view stored) {
    event_log log;
    if (stored.size() % 4 != 0) return log;
    for (std::size_t i = 0; i < stored.size(); i += 4) {
        std::uint32_t v = 0;
        for (int b = 0; b < 4; ++b) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(stored[i + b])) << (8 * b);
        log.push_back(v);
    }
    // Older versions appended events in arrival order; their lists still count every event.
    std::sort(log.begin(), log.end());
    return log;
}

std::int64_t forget_at(rate_rules const& rules, event_log const& log) {
    return log.empty() ? 0 : log.back() + longest_window(rules);
}

}  // namespace moonkey
