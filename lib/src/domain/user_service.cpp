#include "moonkey/domain/user_service.hpp"

#include "moonkey/domain/email_address.hpp"
#include "moonkey/domain/ksuid.hpp"
#include "moonkey/domain/phone_number.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace moonkey {
namespace json = boost::json;

namespace {

constexpr std::size_t max_filter_value_length = 254;

std::size_t utf8_length(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

outcome<void> check_name(std::optional<std::string> const& name, std::string_view key) {
    if (name && utf8_length(*name) > max_name_length)
        return fail(errc::invalid_request,
                    std::string(key) + " must be at most " + std::to_string(max_name_length) + " characters");
    return {};
}

outcome<void> check_names(std::optional<std::string> const& first, std::optional<std::string> const& middle,
                          std::optional<std::string> const& last) {
    if (auto r = check_name(first, "first_name"); !r) return r;
    if (auto r = check_name(middle, "middle_name"); !r) return r;
    return check_name(last, "last_name");
}

outcome<std::string> serialize_metadata(json::object const& metadata) {
    auto text = json::serialize(metadata);
    if (text.size() > max_metadata_bytes)
        return fail(errc::invalid_request, "metadata must be at most " + std::to_string(max_metadata_bytes)
                                               + " bytes as JSON; it would be "
                                               + std::to_string(text.size()));
    return text;
}

outcome<std::string> normalized_phone(std::string_view raw) {
    auto number = parse_phone_number(raw);
    if (!number) return number.error();
    return std::move(number->e164);
}

// Returns the normalized identifiers of an update, each once, with ids for the new ones.
outcome<std::vector<new_method>> normalize_all(std::vector<std::string> const& raw, std::string_view key,
                                               outcome<std::string> (*normalize)(std::string_view),
                                               std::string_view prefix, std::int64_t now) {
    if (raw.size() > max_identifiers_per_update)
        return fail(errc::invalid_request, std::string(key) + " may hold at most "
                                               + std::to_string(max_identifiers_per_update) + " items");
    std::vector<new_method> out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        auto value = normalize(raw[i]);
        if (!value)
            return fail(value.error().code,
                        std::string(key) + "[" + std::to_string(i) + "]: " + value.error().message);
        bool seen =
            std::any_of(out.begin(), out.end(), [&](new_method const& m) { return m.value == *value; });
        if (!seen) out.push_back(new_method{new_id(prefix, now), std::move(*value)});
    }
    return out;
}

outcome<std::string> email_of(std::string_view raw) {
    return normalize_email(raw);
}

std::string lower_trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Returns " 'value'" for a value an error message may repeat (is_echoable_word), else "".
std::string quoted_if_word(std::string_view value) {
    return is_echoable_word(value) ? " '" + std::string(value) + "'" : std::string();
}

// Returns the filter of `f`, or an error that names it as `where`.
outcome<user_filter> make_filter(search_field_input const& f, std::string const& where) {
    user_filter filter{user_field::email, match_kind::eq, {}};
    auto op = lower_trimmed(f.op);
    if (op == "eq") {
        filter.match = match_kind::eq;
    } else if (op == "contains") {
        filter.match = match_kind::contains;
    } else {
        return fail(errc::invalid_request,
                    where + ".operator" + quoted_if_word(f.op) + " is unknown; use \"eq\" or \"contains\"");
    }
    if (f.value.empty()) return fail(errc::invalid_request, where + ".value is required");
    if (f.value.size() > max_filter_value_length)
        return fail(errc::invalid_request, where + ".value must be at most "
                                               + std::to_string(max_filter_value_length) + " characters");
    bool eq = filter.match == match_kind::eq;
    if (f.field == "email_match") {
        filter.field = user_field::email;
        filter.value = lower_trimmed(f.value);
    } else if (f.field == "phone_number_match") {
        filter.field = user_field::phone_number;
        if (eq) {
            auto number = normalized_phone(f.value);
            if (!number) return fail(number.error().code, where + ".value: " + number.error().message);
            filter.value = std::move(*number);
        } else {
            for (char c : f.value) {
                if (std::isdigit(static_cast<unsigned char>(c)) || c == '+') {
                    filter.value += c;
                } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
                    return fail(errc::invalid_request, where + ".value must hold only digits and '+' for a "
                                                               "phone_number_match");
                }
            }
        }
    } else if (f.field == "status") {
        filter.field = user_field::status;
        filter.value = lower_trimmed(f.value);
        if (eq && filter.value != "active" && filter.value != "pending")
            return fail(errc::invalid_request, where + ".value must be \"active\" or \"pending\" for status");
    } else if (f.field == "user_id") {
        filter.field = user_field::user_id;
        filter.value = f.value;
    } else {
        return fail(errc::invalid_request,
                    where + ".field" + quoted_if_word(f.field)
                        + " is unknown; use email_match, phone_number_match, status or user_id");
    }
    if (filter.value.empty()) return fail(errc::invalid_request, where + ".value is required");
    return filter;
}

error user_not_found(std::string_view id) {
    return fail(errc::user_not_found,
                "no user with id " + std::string(id.substr(0, 64)) + " in this app and environment");
}

}  // namespace

outcome<std::string> merge_metadata(std::string const& current, json::object const& patch) {
    boost::system::error_code ec;
    auto parsed = json::parse(current, ec);
    json::object merged;
    if (!ec && parsed.is_object()) merged = std::move(parsed.as_object());
    for (auto const& [key, value] : patch) {
        if (value.is_null()) {
            merged.erase(key);
        } else {
            merged[key] = value;
        }
    }
    return serialize_metadata(merged);
}

outcome<user_query> make_user_query(tenant const& owner, search_input const& input) {
    user_query query;
    query.owner = owner;
    auto limit = input.limit.value_or(default_search_limit);
    if (limit < min_search_limit || limit > max_search_limit)
        return fail(errc::invalid_request, "limit must be " + std::to_string(min_search_limit) + " to "
                                               + std::to_string(max_search_limit) + " (default "
                                               + std::to_string(default_search_limit) + ")");
    query.limit = static_cast<std::size_t>(limit);
    if (input.starting_after && !input.starting_after->empty()) {
        if (!is_id(*input.starting_after, "user_"))
            return fail(errc::invalid_request,
                        "starting_after must be a user_id: the last one of the previous page");
        query.starting_after = *input.starting_after;
    }
    auto op = lower_trimmed(input.op.value_or("AND"));
    if (op != "and" && op != "or")
        return fail(errc::invalid_request, "filters.operator must be \"AND\" or \"OR\"");
    query.match_all = op == "and";
    if (input.fields.size() > max_search_fields)
        return fail(errc::invalid_request,
                    "filters.fields may hold at most " + std::to_string(max_search_fields) + " items");
    for (std::size_t i = 0; i < input.fields.size(); ++i) {
        auto filter = make_filter(input.fields[i], "filters.fields[" + std::to_string(i) + "]");
        if (!filter) return filter.error();
        query.filters.push_back(std::move(*filter));
    }
    return query;
}

async_outcome<user_record> user_service::create_user(tenant const& owner, create_user_input input) {
    bool has_email = input.email && !input.email->empty();
    bool has_phone = input.phone_number && !input.phone_number->empty();
    if (!has_email && !has_phone) co_return fail(errc::invalid_request, "email or phone_number is required");
    if (auto names = check_names(input.first_name, input.middle_name, input.last_name); !names)
        co_return names.error();

    auto now = clock_();
    new_user user;
    user.owner = owner;
    user.id = new_id("user_", now);
    user.status = input.requires_verification ? user_status::pending : user_status::active;
    user.first_name = input.first_name.value_or("");
    user.middle_name = input.middle_name.value_or("");
    user.last_name = input.last_name.value_or("");
    user.now = now;
    if (input.metadata) {
        auto metadata = serialize_metadata(*input.metadata);
        if (!metadata) co_return metadata.error();
        user.metadata = std::move(*metadata);
    }
    if (has_email) {
        auto email = normalize_email(*input.email);
        if (!email) co_return email.error();
        user.email = new_method{new_id("email_", now), std::move(*email)};
    }
    if (has_phone) {
        auto phone = normalized_phone(*input.phone_number);
        if (!phone) co_return phone.error();
        user.phone_number = new_method{new_id("pn_", now), std::move(*phone)};
    }
    co_return co_await repo_.create_user(std::move(user));
}

async_outcome<user_record> user_service::get_user(tenant const& owner, std::string_view user_id) {
    if (!is_id(user_id, "user_")) co_return user_not_found(user_id);
    co_return co_await repo_.find_user(owner, std::string(user_id));
}

async_outcome<user_record> user_service::update_user(tenant const& owner, std::string_view user_id,
                                                     update_user_input input) {
    if (!is_id(user_id, "user_")) co_return user_not_found(user_id);
    if (auto names = check_names(input.first_name, input.middle_name, input.last_name); !names)
        co_return names.error();
    auto now = clock_();
    auto emails = normalize_all(input.emails, "emails", email_of, "email_", now);
    if (!emails) co_return emails.error();
    auto phones = normalize_all(input.phone_numbers, "phone_numbers", normalized_phone, "pn_", now);
    if (!phones) co_return phones.error();

    user_changes changes;
    changes.owner = owner;
    changes.user_id = std::string(user_id);
    changes.first_name = std::move(input.first_name);
    changes.middle_name = std::move(input.middle_name);
    changes.last_name = std::move(input.last_name);
    changes.emails = std::move(*emails);
    changes.phone_numbers = std::move(*phones);
    changes.now = now;
    if (input.metadata) {
        // Checked here so that a request over the limit fails before it reaches the database.
        auto given = serialize_metadata(*input.metadata);
        if (!given) co_return given.error();
        if (input.replace_metadata) {
            changes.metadata = [text = std::move(*given)](std::string const&) -> outcome<std::string> {
                return text;
            };
        } else {
            changes.metadata = [patch = std::move(*input.metadata)](std::string const& current) {
                return merge_metadata(current, patch);
            };
        }
    }
    co_return co_await repo_.update_user(std::move(changes));
}

async_outcome<void> user_service::delete_user(tenant const& owner, std::string_view user_id) {
    if (!is_id(user_id, "user_")) co_return user_not_found(user_id);
    co_return co_await repo_.delete_user(owner, std::string(user_id));
}

async_outcome<user_page> user_service::search_users(tenant const& owner, search_input input) {
    auto query = make_user_query(owner, input);
    if (!query) co_return query.error();
    co_return co_await repo_.search_users(std::move(*query));
}

async_outcome<std::string> user_service::delete_email(tenant const& owner, std::string_view email_id) {
    if (!is_id(email_id, "email_"))
        co_return fail(errc::email_not_found, "no email with id " + std::string(email_id.substr(0, 64))
                                                  + " in this app and environment");
    co_return co_await repo_.delete_email(owner, std::string(email_id), clock_());
}

async_outcome<std::string> user_service::delete_phone_number(tenant const& owner,
                                                             std::string_view phone_number_id) {
    if (!is_id(phone_number_id, "pn_"))
        co_return fail(errc::phone_number_not_found, "no phone number with id "
                                                         + std::string(phone_number_id.substr(0, 64))
                                                         + " in this app and environment");
    co_return co_await repo_.delete_phone_number(owner, std::string(phone_number_id), clock_());
}

}  // namespace moonkey
