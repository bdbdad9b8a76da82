#include "moonkey/store/mysql/row_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cppconn/resultset.h>

namespace moonkey::mysql {
namespace json = boost::json;

std::string hex(std::string_view bytes) {
    return crypto::to_hex(std::span(reinterpret_cast<std::uint8_t const*>(bytes.data()), bytes.size()));
}

std::string hex(crypto::digest const& d) { return crypto::to_hex(d); }

std::string placeholders(std::size_t n, std::string_view one) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out.append(i ? "," : "").append(one);
    return out;
}

std::string unhex(std::string_view text) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (text.size() % 2) return {};
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

session_record read_session(sql::ResultSet& row) {
    session_record s;
    s.id = row.getString(1);
    s.user_id = row.getString(2);
    s.started_at = row.getInt64(3);
    s.expires_at = row.getInt64(4);
    s.last_active_at = row.getInt64(5);
    s.factors = factors_from_json(std::string(row.getString(6)));
    s.fingerprint.ip = row.getString(7);
    s.fingerprint.user_agent = row.getString(8);
    s.created_at = row.getInt64(9);
    s.updated_at = row.getInt64(10);
    return s;
}

std::string factors_to_json(std::vector<session_factor> const& factors) {
    json::array out;
    for (auto const& f : factors)
        out.push_back(json::object{{"channel", to_string(f.via)}, {"method_id", f.method_id}, {"to", f.destination}});
    return json::serialize(out);
}

std::vector<session_factor> factors_from_json(std::string_view text) {
    std::vector<session_factor> factors;
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_array()) return factors;
    for (auto const& item : value.as_array()) {
        if (!item.is_object()) continue;
        auto const& o = item.as_object();
        auto text_of = [&](char const* key) {
            auto const* v = o.if_contains(key);
            return v && v->is_string() ? std::string(v->as_string()) : std::string();
        };
        factors.push_back({text_of("channel") == "email" ? channel::email : channel::sms, text_of("method_id"),
                           text_of("to")});
    }
    return factors;
}

}  // namespace moonkey::mysql
