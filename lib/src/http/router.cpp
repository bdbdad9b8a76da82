#include "moonkey/http/router.hpp"

#include <algorithm>

namespace moonkey::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        segments.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

bool is_param(std::string const& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Walks `path` ("/a/b", the segments split_path would return) against the route's segments without
// splitting it into strings first: routing is on every request's path.
bool matches(router::route const& r, std::string_view path,
             std::vector<std::pair<std::string, std::string>>* params) {
    if (r.literal) return path == r.pattern;
    std::size_t start = 1;
    for (auto const& pattern : r.segments) {
        if (start > path.size()) return false;  // the path has fewer segments
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        auto const segment = path.substr(start, end - start);
        start = end + 1;
        if (is_param(pattern)) {
            if (segment.empty()) return false;
            if (params) params->emplace_back(pattern.substr(1, pattern.size() - 2), segment);
        } else if (pattern != segment) {
            return false;
        }
    }
    return start > path.size();  // and not more
}

}  // namespace

void router::add(verb method, std::string_view pattern, handler h) {
    auto segments = split_path(pattern);
    bool const literal = std::none_of(segments.begin(), segments.end(), is_param);
    routes_.push_back(route{method, std::string(pattern), std::move(segments), std::move(h), literal});
}

std::vector<std::string> router::patterns() const {
    std::vector<std::string> out;
    for (auto const& r : routes_) out.push_back(r.pattern);
    return out;
}

router::match_result router::match(verb method, std::string_view path) const {
    match_result result;
    if (path.empty() || path.front() != '/') return result;
    // The first route of the method and path wins; the path's other methods are wanted for a 405 only.
    for (auto const& r : routes_) {
        if (r.method != method || !matches(r, path, nullptr)) continue;
        result.found = &r;
        result.path_known = true;
        matches(r, path, &result.params);
        return result;
    }
    for (auto const& r : routes_) {
        if (!matches(r, path, nullptr)) continue;
        result.path_known = true;
        if (!result.allow.empty()) result.allow += ", ";
        result.allow += beast_http::to_string(r.method);
    }
    return result;
}

}  // namespace moonkey::http
