#include "moonkey/api/user_handlers.hpp"

#include "moonkey/api/authenticate.hpp"
#include "moonkey/api/json_input.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/domain/user_service.hpp"
#include "moonkey/http/error_response.hpp"
#include "moonkey/http/response.hpp"

#include <boost/json/parse.hpp>

namespace moonkey::api {
namespace json = boost::json;

namespace {

// --- The user object (SPEC §3) ---

json::array methods_json(std::vector<user_method> const& methods, char const* value_key) {
    json::array out;
    out.reserve(methods.size());
    for (auto const& m : methods) {
        out.push_back(json::object{{"id", m.id},
                                   {value_key, m.value},
                                   {"verified", m.verified},
                                   {"created_at", m.created_at},
                                   {"updated_at", m.updated_at}});
    }
    return out;
}

json::object user_json(user_record const& user) {
    boost::system::error_code ec;
    json::value metadata = json::parse(user.metadata, ec);
    if (ec || !metadata.is_object()) metadata = json::object{};
    bool active = user.status == user_status::active;
    return json::object{{"user_id", user.id},
                        {"first_name", user.first_name},
                        {"middle_name", user.middle_name},
                        {"last_name", user.last_name},
                        {"status", active ? "active" : "pending"},
                        {"active", active},
                        {"emails", methods_json(user.emails, "email")},
                        {"phone_numbers", methods_json(user.phone_numbers, "phone_number")},
                        {"metadata", std::move(metadata)},
                        {"created_at", user.created_at},
                        {"updated_at", user.updated_at}};
}

// --- Request bodies ---

// Returns the array field, nullptr when absent or null; invalid_request when of another type.
outcome<json::array const*> optional_array(json::object const& body, std::string_view key) {
    auto const* v = body.if_contains(key);
    if (!v || v->is_null()) return nullptr;
    if (!v->is_array()) return fail(errc::invalid_request, std::string(key) + " must be an array");
    return &v->as_array();
}

// Reads `[{"<item_key>": "..."}, ...]` into the strings; errors name the item.
outcome<std::vector<std::string>> identifier_list(json::object const& body, std::string_view key,
                                                  std::string_view item_key) {
    std::vector<std::string> out;
    auto items = optional_array(body, key);
    if (!items) return items.error();
    if (!*items) return out;
    if ((*items)->size() > max_identifiers_per_update)
        return fail(errc::invalid_request, std::string(key) + " may hold at most "
                                               + std::to_string(max_identifiers_per_update) + " items");
    for (std::size_t i = 0; i < (*items)->size(); ++i) {
        auto name = std::string(key) + "[" + std::to_string(i) + "]";
        auto const& item = (**items)[i];
        if (!item.is_object())
            return fail(errc::invalid_request,
                        name + " must be an object like {\"" + std::string(item_key) + "\": \"...\"}");
        auto value = required_string(item.as_object(), item_key);
        if (!value) return fail(errc::invalid_request, name + "." + value.error().message);
        out.push_back(std::move(*value));
    }
    return out;
}

template <class Input>
outcome<void> read_names(json::object const& body, Input& input) {
    for (auto [key, target] :
         {std::pair{"first_name", &input.first_name}, std::pair{"middle_name", &input.middle_name},
          std::pair{"last_name", &input.last_name}}) {
        auto name = optional_string(body, key);
        if (!name) return name.error();
        *target = std::move(*name);
    }
    return {};
}

outcome<create_user_input> read_create_input(json::object const& body) {
    create_user_input input;
    auto email = optional_string(body, "email");
    if (!email) return email.error();
    input.email = std::move(*email);
    auto phone = optional_string(body, "phone_number");
    if (!phone) return phone.error();
    input.phone_number = std::move(*phone);
    if (auto names = read_names(body, input); !names) return names.error();
    // "requies_verification" is a misspelling real clients send; it means the same.
    for (auto key : {"requires_verification", "requies_verification"}) {
        auto requires_verification = optional_bool(body, key);
        if (!requires_verification) return requires_verification.error();
        if (*requires_verification) input.requires_verification = **requires_verification;
    }
    auto metadata = optional_object(body, "metadata");
    if (!metadata) return metadata.error();
    input.metadata = std::move(*metadata);
    return input;
}

outcome<update_user_input> read_update_input(json::object const& body) {
    update_user_input input;
    if (auto names = read_names(body, input); !names) return names.error();
    auto emails = identifier_list(body, "emails", "email");
    if (!emails) return emails.error();
    input.emails = std::move(*emails);
    auto phones = identifier_list(body, "phone_numbers", "phone_number");
    if (!phones) return phones.error();
    input.phone_numbers = std::move(*phones);
    auto metadata = optional_object(body, "metadata");
    if (!metadata) return metadata.error();
    input.metadata = std::move(*metadata);
    auto replace = optional_bool(body, "replace_metadata");
    if (!replace) return replace.error();
    input.replace_metadata = replace->value_or(false);
    return input;
}

outcome<search_input> read_search_input(json::object const& body) {
    search_input input;
    auto limit = optional_whole_number(body, "limit");
    if (!limit) return limit.error();
    input.limit = *limit;
    auto starting_after = optional_string(body, "starting_after");
    if (!starting_after) return starting_after.error();
    input.starting_after = std::move(*starting_after);
    auto filters = optional_object(body, "filters");
    if (!filters) return filters.error();
    if (!*filters) return input;
    auto op = optional_string(**filters, "operator");
    if (!op) return fail(errc::invalid_request, "filters.operator must be \"AND\" or \"OR\"");
    input.op = std::move(*op);
    auto fields = optional_array(**filters, "fields");
    if (!fields) return fail(errc::invalid_request, "filters.fields must be an array");
    if (!*fields) return input;
    if ((*fields)->size() > max_search_fields)
        return fail(errc::invalid_request,
                    "filters.fields may hold at most " + std::to_string(max_search_fields) + " items");
    for (std::size_t i = 0; i < (*fields)->size(); ++i) {
        auto name = "filters.fields[" + std::to_string(i) + "]";
        auto const& item = (**fields)[i];
        if (!item.is_object())
            return fail(errc::invalid_request,
                        name + " must be an object {\"field\", \"operator\", \"value\"}");
        search_field_input f;
        for (auto [key, target] :
             {std::pair{"field", &f.field}, std::pair{"operator", &f.op}, std::pair{"value", &f.value}}) {
            auto value = required_string(item.as_object(), key);
            if (!value) return fail(errc::invalid_request, name + "." + value.error().message);
            *target = std::move(*value);
        }
        input.fields.push_back(std::move(f));
    }
    return input;
}

// --- Shared steps ---

// Authenticates (secret keys only) and parses the body.
struct parsed_request {
    api_key_record caller;
    json::object body;
};

boost::asio::awaitable<outcome<parsed_request>> begin(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return caller.error();
    auto body = json_body(ctx.req);
    if (!body) co_return body.error();
    co_return parsed_request{std::move(*caller), std::move(*body)};
}

http::response ok(json::object body, http::request_context const& ctx) {
    return http::json_response(http::status::ok, body, ctx.request_id);
}

http::response failed(error const& e, http::request_context const& ctx) {
    return http::error_response(e, ctx.request_id);
}

}  // namespace

boost::asio::awaitable<http::response> create_user(http::request_context& ctx) {
    auto request = co_await begin(ctx);
    if (!request) co_return failed(request.error(), ctx);
    auto input = read_create_input(request->body);
    if (!input) co_return failed(input.error(), ctx);
    auto include_user = optional_bool(request->body, "include_user");
    if (!include_user) co_return failed(include_user.error(), ctx);

    auto user = co_await ctx.services.users().create_user(request->caller.owner, std::move(*input));
    if (!user) co_return failed(user.error(), ctx);

    json::object out;
    out["user_id"] = user->id;
    out["status"] = user->status == user_status::active ? "active" : "pending";
    if (!user->emails.empty()) out["email_id"] = user->emails.front().id;
    if (!user->phone_numbers.empty()) out["phone_number_id"] = user->phone_numbers.front().id;
    if (include_user->value_or(false)) out["user"] = user_json(*user);
    co_return ok(std::move(out), ctx);
}

boost::asio::awaitable<http::response> get_user(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return failed(caller.error(), ctx);
    auto user = co_await ctx.services.users().get_user(caller->owner, ctx.param("id"));
    if (!user) co_return failed(user.error(), ctx);
    co_return ok(user_json(*user), ctx);
}

boost::asio::awaitable<http::response> update_user(http::request_context& ctx) {
    auto request = co_await begin(ctx);
    if (!request) co_return failed(request.error(), ctx);
    auto input = read_update_input(request->body);
    if (!input) co_return failed(input.error(), ctx);
    auto user =
        co_await ctx.services.users().update_user(request->caller.owner, ctx.param("id"), std::move(*input));
    if (!user) co_return failed(user.error(), ctx);
    co_return ok(user_json(*user), ctx);
}

boost::asio::awaitable<http::response> delete_user(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return failed(caller.error(), ctx);
    auto id = ctx.param("id");
    auto deleted = co_await ctx.services.users().delete_user(caller->owner, id);
    if (!deleted) co_return failed(deleted.error(), ctx);
    co_return ok(json::object{{"message", "the user was deleted"}, {"user_id", id}}, ctx);
}

boost::asio::awaitable<http::response> search_users(http::request_context& ctx) {
    auto request = co_await begin(ctx);
    if (!request) co_return failed(request.error(), ctx);
    auto input = read_search_input(request->body);
    if (!input) co_return failed(input.error(), ctx);
    auto page = co_await ctx.services.users().search_users(request->caller.owner, std::move(*input));
    if (!page) co_return failed(page.error(), ctx);
    json::array users;
    users.reserve(page->users.size());
    for (auto const& user : page->users) users.push_back(user_json(user));
    co_return ok(
        json::object{
            {"users", std::move(users)}, {"total_count", page->total_count}, {"has_more", page->has_more}},
        ctx);
}

boost::asio::awaitable<http::response> delete_user_email(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return failed(caller.error(), ctx);
    auto id = ctx.param("email_id");
    auto user_id = co_await ctx.services.users().delete_email(caller->owner, id);
    if (!user_id) co_return failed(user_id.error(), ctx);
    co_return ok(json::object{{"message", "the email was deleted"}, {"email_id", id}, {"user_id", *user_id}},
                 ctx);
}

boost::asio::awaitable<http::response> delete_user_phone_number(http::request_context& ctx) {
    auto caller = co_await authenticate(ctx, key_access::secret_only);
    if (!caller) co_return failed(caller.error(), ctx);
    auto id = ctx.param("id");
    auto user_id = co_await ctx.services.users().delete_phone_number(caller->owner, id);
    if (!user_id) co_return failed(user_id.error(), ctx);
    co_return ok(
        json::object{
            {"message", "the phone number was deleted"}, {"phone_number_id", id}, {"user_id", *user_id}},
        ctx);
}

}  // namespace moonkey::api
