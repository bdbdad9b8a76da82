#include "moonkey/api/json_input.hpp"

#include <boost/json/parser.hpp>

#include <cmath>
#include <cstdint>
#include <optional>

namespace moonkey::api {
namespace json = boost::json;

namespace {

// Nesting deeper than any body of the API needs; the parser stops there (no deep recursion).
constexpr std::size_t max_depth = 32;

// Whole numbers are accepted up to this magnitude: below 2^53, so that 3.0 and 3 read the same.
constexpr double max_whole = 9.0e15;

error wrong_type(std::string_view key, std::string_view expected) {
    return fail(errc::invalid_request, std::string(key) + " must be " + std::string(expected));
}

error out_of_range(std::string_view key) {
    return fail(errc::invalid_request, std::string(key) + " is out of range; send a whole number within ±9e15");
}

json::value const* field(json::object const& body, std::string_view key) {
    auto const* v = body.if_contains(key);
    return (v && !v->is_null()) ? v : nullptr;
}

// Returns the offset of the first byte of `text` that does not belong to well-formed UTF-8 (no
// overlong forms, surrogates or code points past U+10FFFF), or npos when there is none.
std::size_t invalid_utf8_at(std::string_view text) {
    static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    for (std::size_t i = 0; i < text.size();) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || i + length > text.size()) return i;
        std::uint32_t code = length == 1 ? lead : lead & (0x7Fu >> length);
        for (std::size_t k = 1; k < length; ++k) {
            auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return i;
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
        i += length;
    }
    return std::string_view::npos;
}

// Returns the path of the first number in `v` too large for a double (the parser reads 1e400 as
// infinity, which would be stored and echoed as invalid JSON), or nullopt when there is none.
std::optional<std::string> infinite_number_at(json::value const& v, std::string const& path) {
    if (v.is_double() && !std::isfinite(v.as_double())) return path.empty() ? std::string("a number") : path;
    if (v.is_object()) {
        for (auto const& [key, member] : v.as_object()) {
            // A key that is not a plain word is not repeated: it could be a secret (is_echoable_word).
            auto name = is_echoable_word(key) ? std::string(key) : std::string("{key}");
            auto found = infinite_number_at(member, path.empty() ? name : path + "." + name);
            if (found) return found;
        }
    }
    if (v.is_array()) {
        auto const& items = v.as_array();
        for (std::size_t i = 0; i < items.size(); ++i) {
            auto found = infinite_number_at(items[i], path + "[" + std::to_string(i) + "]");
            if (found) return found;
        }
    }
    return std::nullopt;
}

}  // namespace

outcome<json::object> json_body(http::request const& req) {
    auto const& text = req.body();
    if (text.empty()) return json::object{};
    json::parse_options options;
    options.max_depth = max_depth;
    json::parser parser({}, options);
    boost::system::error_code ec;
    auto consumed = parser.write(text.data(), text.size(), ec);
    if (ec == json::error::too_deep)
        return fail(errc::invalid_request, "the body nests arrays and objects deeper than 32 levels");
    if (ec) {
        if (auto at = invalid_utf8_at(text); at != std::string_view::npos)
            return fail(errc::invalid_request,
                        "the body is not valid UTF-8 (byte " + std::to_string(at) + "); send JSON text in UTF-8");
        return fail(errc::invalid_request,
                    "the body is not valid JSON (" + ec.message() + " at byte " + std::to_string(consumed) + ")");
    }
    auto value = parser.release();
    if (!value.is_object()) return fail(errc::invalid_request, "the body must be a JSON object");
    if (auto where = infinite_number_at(value, ""))
        return fail(errc::invalid_request, *where + " is out of range; it is too large for a number");
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
    if (v->is_int64()) {
        auto n = v->as_int64();
        if (std::fabs(static_cast<double>(n)) > max_whole) return out_of_range(key);
        return std::optional<std::int64_t>(n);
    }
    if (v->is_uint64()) return out_of_range(key);
    if (v->is_double()) {
        double d = v->as_double();
        if (!std::isfinite(d) || std::fabs(d) > max_whole) return out_of_range(key);
        if (std::floor(d) != d) return wrong_type(key, "a whole number");
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
