#include "moonkey/http/response.hpp"

#include <boost/json/serialize.hpp>

namespace moonkey::http {

response json_response(status code, boost::json::value const& body, std::string_view request_id,
                       unsigned version) {
    response res{code, version};
    res.set(beast_http::field::content_type, "application/json");
    res.set("X-Request-Id", request_id);
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

}  // namespace moonkey::http
