#include "moonkey/domain/abuse_limits.hpp"

#include <algorithm>

namespace moonkey {
namespace {

std::string_view kind_name(rate_limit_kind kind) {
    switch (kind) {
        case rate_limit_kind::destination: return "destination";
        case rate_limit_kind::ip_send: return "ip_send";
        case rate_limit_kind::ip_verify: return "ip_verify";
        case rate_limit_kind::prefix: return "prefix";
        case rate_limit_kind::daily_sms: return "daily_sms";
        case rate_limit_kind::public_token: return "public_token";
    }
    return "other";
}

// The key hashes the subject: the counters table holds no phone number, email or address in clear.
crypto::digest counter_key(tenant const& owner, rate_limit_kind kind, std::string const& subject) {
    std::string text =
        "limit|" + owner.app_id + '|' + std::string(to_string(owner.env)) + '|' + std::string(kind_name(kind)) + '|' + subject;
    return crypto::sha256(text);
}

void add_check(limit_plan& plan, tenant const& owner, rate_limit_kind kind, std::string const& subject,
               rate_rules const& rules, bool public_token) {
    if (rules.empty()) return;
    plan.checks.push_back(limit_check{counter_key(owner, kind, subject), public_token ? halved(rules) : rules, kind, subject});
}

std::string seconds_text(std::int64_t seconds) {
    return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
}

}  // namespace

std::string number_prefix(std::string const& e164) {
    return e164.size() > 5 ? e164.substr(0, e164.size() - 4) : e164;
}

limit_plan plan_send_limits(limit_settings const& limits, send_subject const& s, std::int64_t now) {
    limit_plan plan;
    add_check(plan, s.owner, rate_limit_kind::destination, s.destination, limits.destination, s.public_token);
    if (!s.ip.empty()) add_check(plan, s.owner, rate_limit_kind::ip_send, s.ip, limits.ip_send, s.public_token);
    if (s.via != channel::sms) return plan;
    add_check(plan, s.owner, rate_limit_kind::prefix, number_prefix(s.destination), limits.prefix, s.public_token);
    if (!limits.daily_sms.empty()) {
        std::int64_t day = now / 86400;
        auto key = counter_key(s.owner, rate_limit_kind::daily_sms, std::to_string(day));
        plan.sms_cap = daily_cap{key, limits.daily_sms.front().count, (day + 1) * 86400};
    }
    return plan;
}

limit_plan plan_verify_limits(limit_settings const& limits, tenant const& owner, std::string const& ip,
                              bool public_token) {
    limit_plan plan;
    if (!ip.empty()) add_check(plan, owner, rate_limit_kind::ip_verify, ip, limits.ip_verify, public_token);
    return plan;
}

error limit_refusal(limit_check const& check, rate_rule broken, std::int64_t retry_after) {
    auto seconds = std::max<std::int64_t>(1, retry_after);
    auto rule = describe_rate_rule(broken);
    std::string what;
    switch (check.kind) {
        case rate_limit_kind::destination: what = "too many codes were sent to " + check.subject; break;
        case rate_limit_kind::ip_send: what = "too many codes were requested from the address " + check.subject; break;
        case rate_limit_kind::ip_verify: what = "too many codes were checked from the address " + check.subject; break;
        case rate_limit_kind::prefix: what = "too many codes were sent to numbers starting " + check.subject; break;
        default: what = "too many requests"; break;
    }
    error e = fail(errc::too_many_requests, what + " (the limit is " + rule + "); retry in " + seconds_text(seconds));
    e.retry_after = seconds;
    e.limit = check.kind;
    return e;
}

error cap_refusal(daily_cap const& cap, std::int64_t now) {
    auto seconds = std::max<std::int64_t>(1, cap.resets_at - now);
    error e = fail(errc::too_many_requests,
                   "this environment has sent its " + std::to_string(cap.limit) +
                       " SMS for today (UTC); the cap resets in " + seconds_text(seconds) +
                       ", or raise it with `moonkeyctl app set APP limit_daily_sms N/1d`");
    e.retry_after = seconds;
    e.limit = rate_limit_kind::daily_sms;
    return e;
}

}  // namespace moonkey
