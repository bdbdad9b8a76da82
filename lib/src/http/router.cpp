#include "moonkey/http/router.hpp"

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

bool matches(router::route const& r, std::vector<std::string> const& segments,
             std::vector<std::pair<std::string, std::string>>* params) {
    if (r.segments.size() != segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (is_param(r.segments[i])) {
            if (segments[i].empty()) return false;
            if (params) params->emplace_back(r.segments[i].substr(1, r.segments[i].size() - 2), segments[i]);
        } else if (r.segments[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

void router::add(verb method, std::string_view pattern, handler h) {
    routes_.push_back(route{method, std::string(pattern), split_path(pattern), std::move(h)});
}

std::vector<std::string> router::patterns() const {
    std::vector<std::string> out;
    for (auto const& r : routes_) out.push_back(r.pattern);
    return out;
}

router::match_result router::match(verb method, std::string_view path) const {
    match_result result;
    if (path.empty() || path.front() != '/') return result;
    auto segments = split_path(path);
    for (auto const& r : routes_) {
        if (!matches(r, segments, nullptr)) continue;
        result.path_known = true;
        if (!result.allow.empty()) result.allow += ", ";
        result.allow += std::string(beast_http::to_string(r.method));
        if (r.method == method && !result.found) {
            result.found = &r;
            matches(r, segments, &result.params);
        }
    }
    return result;
}

}  // namespace moonkey::http
