#include "moonkey/api/authenticate.hpp"

#include "moonkey/api/key_cache.hpp"
#include "moonkey/core/core_services.hpp"
#include "moonkey/core/crypto.hpp"

#include <boost/url/parse.hpp>

namespace moonkey::api {
namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

std::string api_key_in_query(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return {};
    auto params = url->params();
    auto it = params.find("api_key");
    return it == params.end() ? std::string() : std::string((*it).value);
}

error unauthorized() {
    return fail(errc::unauthorized_credentials,
                "send a valid API key as 'Authorization: Bearer sk_…' or as the HTTP Basic user name");
}

}  // namespace

std::string extract_api_key(std::string_view authorization) {
    if (starts_with_ci(authorization, "bearer ")) return std::string(trim(authorization.substr(7)));
    if (starts_with_ci(authorization, "basic ")) {
        auto decoded = crypto::base64_decode(trim(authorization.substr(6)));
        if (!decoded) return {};
        return decoded->substr(0, decoded->find(':'));
    }
    return {};
}

async_outcome<api_key_record> authenticate(http::request_context& ctx, key_access access, bool query_key) {
    auto key = extract_api_key(ctx.req[http::beast_http::field::authorization]);
    if (key.empty() && query_key) key = api_key_in_query(ctx.req.target());
    auto claim = parse_api_key(key);
    if (!claim) co_return unauthorized();
    if (claim->kind == key_kind::public_token && access == key_access::secret_only)
        co_return fail(errc::unauthorized_credentials, "this endpoint needs a secret key (sk_…), not a public token");
    auto found = co_await ctx.services.keys().find(api_key_digest(key));
    if (!found) co_return found.error();
    if (!*found || (*found)->revoked) co_return unauthorized();
    co_return std::move(**found);
}

}  // namespace moonkey::api
