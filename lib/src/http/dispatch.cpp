#include "moonkey/http/dispatch.hpp"

#include "moonkey/core/crypto.hpp"
#include "moonkey/core/log.hpp"
#include "moonkey/http/error_response.hpp"

namespace moonkey::http {
namespace {

bool is_request_id_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '-';
}

bool is_json_media_type(std::string_view content_type) {
    auto semicolon = content_type.find(';');
    auto media = content_type.substr(0, semicolon);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (media.size() != 16) return false;
    std::string lower;
    for (char c : media) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == "application/json";
}

// Returns the path as an error message quotes it: at most 128 characters, so that an answer never
// reflects kilobytes of the caller's text.
std::string quoted_path(std::string_view path) {
    constexpr std::size_t shown = 128;
    if (path.size() <= shown) return std::string(path);
    return std::string(path.substr(0, shown)) + "...";
}

// A request target is visible ASCII (RFC 9112 §3.2, RFC 3986: other bytes are percent-encoded). Beast
// lets bytes >= 0x80 through; refused here, before routing, they never reach an answer (whose JSON
// must be valid UTF-8), a log line or a query raw.
bool is_ascii_target(std::string_view target) {
    return std::all_of(target.begin(), target.end(), [](char c) {
        auto const u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f;
    });
}

constexpr std::string_view x_request_id = "X-Request-Id";

}  // namespace

std::string request_id_of(request const& req) {
    auto given = req["X-Request-Id"];
    bool valid = !given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), is_request_id_char);
    if (valid) return std::string(given);
    return "req_" + crypto::random_base62(22);  // random_bytes serves it from a per-thread CSPRNG block
}

boost::asio::awaitable<dispatch_result> dispatch(router const& routes, request const& req, core_services& services,
                                                 std::string peer_address) {
    auto request_id = request_id_of(req);
    auto version = req.version();
    std::string_view target = req.target();
    auto path = target.substr(0, target.find('?'));
    if (!is_ascii_target(target))
        co_return dispatch_result{
            error_response(fail(errc::invalid_request, "the request target must be ASCII; percent-encode other bytes"),
                           request_id, version),
            "unmatched"};

    auto match = routes.match(req.method(), path);
    if (!match.found) {
        if (!match.path_known)
            co_return dispatch_result{
                error_response(fail(errc::not_found, "no endpoint at " + quoted_path(path) + "; check the URL"),
                               request_id, version),
                "unmatched"};
        auto res = error_response(
            fail(errc::method_not_allowed, quoted_path(path) + " accepts " + match.allow), request_id, version);
        res.set(beast_http::field::allow, match.allow);
        co_return dispatch_result{std::move(res), "unmatched"};
    }
    std::string_view route = match.found->pattern;
    if (!req.body().empty() && !is_json_media_type(req[beast_http::field::content_type])) {
        co_return dispatch_result{
            error_response(fail(errc::unsupported_media_type, "send the body as JSON with Content-Type: application/json"),
                           request_id, version),
            route};
    }

    request_context ctx{req, std::move(request_id), std::move(peer_address), services, std::move(match.params)};
    try {
        auto res = co_await match.found->h(ctx);
        res.version(version);
        // Handlers build their answers with the id already (json_response): set it only when missing.
        if (res[x_request_id] != ctx.request_id) res.set(x_request_id, ctx.request_id);
        co_return dispatch_result{std::move(res), route};
    } catch (std::exception const& e) {
        log::error("request failed", {{"request_id", ctx.request_id}, {"route", route}, {"exception", e.what()}});
    } catch (...) {
        log::error("request failed", {{"request_id", ctx.request_id}, {"route", route}});
    }
    co_return dispatch_result{
        error_response(fail(errc::internal_server_error,
                            "the server failed on this request; report request id " + ctx.request_id),
                       ctx.request_id, version),
        route};
}

}  // namespace moonkey::http
