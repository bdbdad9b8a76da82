#pragma once
// What a handler gets: the request, its id, the path parameters and this core's services.

#include "moonkey/http/message.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moonkey {
class core_services;
}

namespace moonkey::http {

struct request_context {
    request const& req;
    std::string request_id;
    std::string peer_address;
    core_services& services;
    std::vector<std::pair<std::string, std::string>> path_params{};

    // Returns the path parameter `name` ("{id}" in the route), or an empty view.
    std::string_view param(std::string_view name) const {
        for (auto const& [key, value] : path_params)
            if (key == name) return value;
        return {};
    }
};

}  // namespace moonkey::http
