#include "moonkey/domain/app_settings.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>

namespace moonkey {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 4> fingerprint_names{"none", "ip", "user_agent", "both"};
constexpr std::array<std::string_view, 5> locales{"en", "es", "fr", "de", "pt-br"};

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
    return fail(errc::invalid_request,
                "unknown setting '" + std::string(key) +
                    "'; known: fingerprint_match, default_locale, domain, sms_from, email_from, sms_template,"
                    " email_subject_template, email_text_template, email_html_template");
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
