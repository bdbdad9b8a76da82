#pragma once
// The one route table: method + path pattern ("/v1/auth/users/{id}") -> handler.

#include "moonkey/http/request_context.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace moonkey::http {

using handler = std::function<boost::asio::awaitable<response>(request_context&)>;

class router {
public:
    // Adds a route; `pattern` segments written {name} match any one non-empty segment.
    void add(verb method, std::string_view pattern, handler h);

    struct route {
        verb method;
        std::string pattern;
        std::vector<std::string> segments;
        handler h;
        bool literal;  // no {name} segment: the path must equal the pattern
    };

    struct match_result {
        route const* found = nullptr;                              // set on a match
        bool path_known = false;                                   // some route has this path
        std::string allow;                                         // methods of that path, if not found
        std::vector<std::pair<std::string, std::string>> params;  // of the match
    };

    // Returns the route for `method` and `path` (no query string), or says whether the path is known.
    match_result match(verb method, std::string_view path) const;

    // Returns every route's pattern, in the order added.
    std::vector<std::string> patterns() const;

private:
    std::vector<route> routes_;
};

}  // namespace moonkey::http
