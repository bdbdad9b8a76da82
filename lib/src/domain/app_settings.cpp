#include "moonkey/domain/app_settings.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>

namespace moonkey {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 4> fingerprint_names{"none", "ip", "user_agent", "both"};
constexpr std::array<std::string_view, 5> locales{"en", "es", "fr", "de", "pt-br"};
constexpr std::array<std::string_view, 12> number_types{
    "mobile", "fixed_line_or_mobile", "voip", "personal_number", "fixed_line", "toll_free",
    "premium_rate", "shared_cost", "pager", "uan", "voicemail", "unknown"};

struct limit_key {
    std::string_view name;
    rate_rules limit_settings::*rules;
};
constexpr std::array<limit_key, 5> limit_keys{{{"limit_destination", &limit_settings::destination},
                                               {"limit_ip_send", &limit_settings::ip_send},
                                               {"limit_ip_verify", &limit_settings::ip_verify},
                                               {"limit_prefix", &limit_settings::prefix},
                                               {"limit_daily_sms", &limit_settings::daily_sms}}};

// Returns why `rules` cannot be the limit `key`, or nothing. A subject's row keeps one time per
// event its largest rule counts, so those rules count at most 1000; the daily SMS cap is one N/1d.
std::optional<std::string> limit_problem(std::string_view key, rate_rules const& rules) {
    if (key == "limit_daily_sms") {
        bool one_day = rules.empty() || (rules.size() == 1 && rules.front().window_seconds == 86400);
        if (!one_day) return "limit_daily_sms must be N/1d (SMS per UTC day) or off";
        return std::nullopt;
    }
    for (auto const& rule : rules)
        if (rule.count > 1000) return std::string(key) + " counts at most 1000 per window";
    return std::nullopt;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto item = text.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return items;
}

bool is_country_list(std::vector<std::string> const& items) {
    if (items.size() == 1 && items.front() == "*") return true;
    return !items.empty() && std::all_of(items.begin(), items.end(), [](std::string const& code) {
        return code.size() == 2 && std::isupper(static_cast<unsigned char>(code[0])) &&
               std::isupper(static_cast<unsigned char>(code[1]));
    });
}

bool is_number_type_list(std::vector<std::string> const& items) {
    return !items.empty() && std::all_of(items.begin(), items.end(), [](std::string const& type) {
        return std::find(number_types.begin(), number_types.end(), type) != number_types.end();
    });
}

std::optional<fingerprint_match> parse_fingerprint_match(std::string_view text) {
    for (std::size_t i = 0; i < fingerprint_names.size(); ++i)
        if (fingerprint_names[i] == text) return static_cast<fingerprint_match>(i);
    return std::nullopt;
}

bool is_domain(std::string_view text) {
    if (text.empty() || text.size() > 253 || text.find('.') == std::string_view::npos) return false;
    for (char c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
    return true;
}

void apply(json::object const& source, app_settings& settings) {
    if (auto const* v = source.if_contains("fingerprint_match"); v && v->is_string())
        settings.fingerprint = parse_fingerprint_match(v->as_string()).value_or(settings.fingerprint);
    if (auto const* v = source.if_contains("default_locale"); v && v->is_string())
        settings.default_locale = std::string(v->as_string());
    auto text = [&](char const* key, std::string& slot) {
        if (auto const* v = source.if_contains(key); v && v->is_string()) slot = std::string(v->as_string());
    };
    text("domain", settings.domain);
    text("sms_from", settings.sms_from);
    text("email_from", settings.email_from);
    text("sms_template", settings.sms_template);
    text("email_subject_template", settings.email_subject_template);
    text("email_text_template", settings.email_text_template);
    text("email_html_template", settings.email_html_template);
    for (auto const& [name, rules] : limit_keys) {
        if (auto const* v = source.if_contains(name); v && v->is_string())
            if (auto parsed = parse_rate_rules(v->as_string()); parsed && !limit_problem(name, *parsed))
                settings.limits.*rules = std::move(*parsed);
    }
    if (auto const* v = source.if_contains("sms_allowed_countries"); v && v->is_string())
        if (auto items = split_list(v->as_string()); is_country_list(items)) settings.sms_allowed_countries = items;
    if (auto const* v = source.if_contains("sms_allowed_number_types"); v && v->is_string())
        if (auto items = split_list(v->as_string()); is_number_type_list(items))
            settings.sms_allowed_number_types = items;
}

json::object parse_object(std::string_view text) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) return {};
    return std::move(value.as_object());
}

outcome<void> validate(std::string_view key, std::string_view value) {
    if (key == "fingerprint_match") {
        if (parse_fingerprint_match(value)) return {};
        return fail(errc::invalid_request, "fingerprint_match must be none, ip, user_agent or both");
    }
    if (key == "default_locale") {
        for (auto l : locales)
            if (l == value) return {};
        return fail(errc::invalid_request, "default_locale must be one of en, es, fr, de, pt-br");
    }
    if (key == "domain") {
        if (value.empty() || is_domain(value)) return {};
        return fail(errc::invalid_request, "domain must be a host name such as example.com (or empty)");
    }
    if (key == "sms_from" || key == "email_from") {
        if (value.size() <= 254 && value.find_first_of("\r\n") == std::string_view::npos) return {};
        return fail(errc::invalid_request, std::string(key) + " must be one line of at most 254 characters");
    }
    if (key == "sms_template" || key == "email_subject_template" || key == "email_text_template" ||
        key == "email_html_template") {
        if (value.empty() || value.find("{code}") != std::string_view::npos) {
            if (value.size() <= 16 * 1024) return {};
        }
        return fail(errc::invalid_request, std::string(key) + " must contain {code} (and may use {app} and {minutes})");
    }
    for (auto const& limit : limit_keys) {
        if (key != limit.name) continue;
        auto rules = parse_rate_rules(value);
        if (!rules) return fail(errc::invalid_request, std::string(key) + ": " + rules.error().message);
        if (auto problem = limit_problem(key, *rules)) return fail(errc::invalid_request, *problem);
        return {};
    }
    if (key == "sms_allowed_countries") {
        if (is_country_list(split_list(value))) return {};
        return fail(errc::invalid_request,
                    "sms_allowed_countries must be ISO 3166 country codes joined by commas (US,CA,GB) or *");
    }
    if (key == "sms_allowed_number_types") {
        if (is_number_type_list(split_list(value))) return {};
        return fail(errc::invalid_request,
                    "sms_allowed_number_types must be libphonenumber types joined by commas: mobile,"
                    " fixed_line_or_mobile, voip, personal_number, fixed_line, toll_free, premium_rate, shared_cost,"
                    " pager, uan, voicemail, unknown");
    }
    return fail(errc::invalid_request,
                "unknown setting '" + std::string(key) +
                    "'; known: fingerprint_match, default_locale, domain, sms_from, email_from, sms_template,"
                    " email_subject_template, email_text_template, email_html_template, limit_destination,"
                    " limit_ip_send, limit_ip_verify, limit_prefix, limit_daily_sms, sms_allowed_countries,"
                    " sms_allowed_number_types");
}

}  // namespace

message_style message_style_of(std::string const& app_name, app_settings const& settings) {
    return message_style{app_name,
                         settings.domain,
                         settings.sms_from,
                         settings.email_from,
                         settings.sms_template,
                         settings.email_subject_template,
                         settings.email_text_template,
                         settings.email_html_template};
}

app_settings parse_app_settings(std::string_view stored_json, environment env) {
    app_settings settings;
    auto root = parse_object(stored_json);
    apply(root, settings);
    if (auto const* overrides = root.if_contains(to_string(env)); overrides && overrides->is_object())
        apply(overrides->as_object(), settings);
    return settings;
}

outcome<std::string> set_app_setting(std::string_view stored_json, std::string_view key, std::string_view value,
                                     std::optional<environment> env) {
    if (auto valid = validate(key, value); !valid) return valid.error();
    auto root = parse_object(stored_json);
    json::object* target = &root;
    if (env) {
        auto& slot = root[to_string(*env)];
        if (!slot.is_object()) slot = json::object{};
        target = &slot.as_object();
    }
    (*target)[key] = value;
    return json::serialize(root);
}

}  // namespace moonkey
