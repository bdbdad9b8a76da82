#include "moonkey/core/database_url.hpp"

#include <boost/url/parse.hpp>

namespace moonkey {

outcome<database_url> parse_database_url(std::string_view text) {
    auto parsed = boost::urls::parse_uri(text);
    if (!parsed) return fail(errc::invalid_request, "database_url: not a URL (mysql://user:pass@host:port/db)");
    auto const& url = *parsed;
    if (url.scheme() != "mysql" && url.scheme() != "mariadb")
        return fail(errc::invalid_request, "database_url: scheme must be mysql://");
    database_url out;
    out.user = url.user();
    out.password = url.password();
    if (!url.host().empty()) out.host = url.host();
    if (url.has_port()) out.port = url.port_number();
    std::string path = url.path();
    if (path.size() < 2 || path.front() != '/')
        return fail(errc::invalid_request, "database_url: the database name is missing (…/moonkey)");
    out.database = path.substr(1);
    for (auto param : url.params()) {
        if (param.key == "socket") out.socket = param.value;
    }
    if (out.user.empty()) return fail(errc::invalid_request, "database_url: the user name is missing");
    return out;
}

}  // namespace moonkey
