#include "moonkey/http/response.hpp"

#include <boost/json/serialize.hpp>

namespace moonkey::http {

response json_response(status code, boost::json::value const& body, std::string_view request_id,
                       unsigned version) {
    return json_text_response(code, boost::json::serialize(body), request_id, version);
}

response json_text_response(status code, std::string json, std::string_view request_id, unsigned version) {
    response res{code, version};
    res.set(beast_http::field::content_type, "application/json");
    res.set("X-Request-Id", request_id);
    res.body() = std::move(json);
    res.prepare_payload();
    return res;
}

}  // namespace moonkey::http
