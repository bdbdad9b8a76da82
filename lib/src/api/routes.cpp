#include "moonkey/api/routes.hpp"

#include "moonkey/api/ops_handlers.hpp"
#include "moonkey/api/otp_handlers.hpp"

namespace moonkey::api {

http::router make_routes() {
    using http::verb;
    http::router r;
    r.add(verb::get, "/healthz", healthz);
    r.add(verb::get, "/readyz", readyz);
    r.add(verb::post, "/v1/auth/otps/sms/login_or_create", sms_login_or_create);
    r.add(verb::post, "/v1/auth/otps/email/login_or_create", email_login_or_create);
    return r;
}

}  // namespace moonkey::api
