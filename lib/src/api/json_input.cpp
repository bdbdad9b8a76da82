#include "moonkey/api/json_input.hpp"

#include <boost/json/parse.hpp>

#include <cmath>

namespace moonkey::api {
namespace json = boost::json;

namespace {

error wrong_type(std::string_view key, std::string_view expected) {
    return fail(errc::invalid_request, std::string(key) + " must be " + std::string(expected));
}

json::value const* field(json::object const& body, std::string_view key) {
    auto const* v = body.if_contains(key);
    return (v && !v->is_null()) ? v : nullptr;
}

}  // namespace

outcome<json::object> json_body(http::request const& req) {
    if (req.body().empty()) return json::object{};
    json::parse_options options;
    options.max_depth = 32;
    boost::system::error_code ec;
    auto value = json::parse(req.body(), ec, {}, options);
    if (ec) return fail(errc::invalid_request, "the body is not valid JSON (" + ec.message() + ")");
    if (!value.is_object()) return fail(errc::invalid_request, "the body must be a JSON object");
    return std::move(value.as_object());
}

outcome<std::optional<std::string>> optional_string(json::object const& body, std::string_view key) {
    auto const* v = field(body, key);
    if (!v) return std::optional<std::string>();
    if (!v->is_string()) return wrong_type(key, "a string");
    return std::optional<std::string>(std::string(v->as_string()));
}

outcome<std::string> required_string(json::object const& body, std::string_view key) {
    auto value = optional_string(body, key);
    if (!value) return value.error();
    if (!*value || (*value)->empty())
        return fail(errc::invalid_request, std::string(key) + " is required");
    return std::move(**value);
}

outcome<std::optional<std::int64_t>> optional_whole_number(json::object const& body, std::string_view key) {
    auto const* v = field(body, key);
    if (!v) return std::optional<std::int64_t>();
    if (v->is_int64()) return std::optional<std::int64_t>(v->as_int64());
    if (v->is_uint64()) return wrong_type(key, "a whole number in range");
    if (v->is_double()) {
        double d = v->as_double();
        if (!std::isfinite(d) || std::floor(d) != d) return wrong_type(key, "a whole number");
        if (std::fabs(d) > 9.0e15) return wrong_type(key, "a whole number in range");
        return std::optional<std::int64_t>(static_cast<std::int64_t>(d));
    }
    return wrong_type(key, "a number");
}

outcome<std::optional<bool>> optional_bool(json::object const& body, std::string_view key) {
    auto const* v = field(body, key);
    if (!v) return std::optional<bool>();
    if (!v->is_bool()) return wrong_type(key, "true or false");
    return std::optional<bool>(v->as_bool());
}

outcome<std::optional<json::object>> optional_object(json::object const& body, std::string_view key) {
    auto const* v = field(body, key);
    if (!v) return std::optional<json::object>();
    if (!v->is_object()) return wrong_type(key, "an object");
    return std::optional<json::object>(v->as_object());
}

}  // namespace moonkey::api
