#include "moonkey/api/routes.hpp"

#include "moonkey/api/idempotency.hpp"
#include "moonkey/api/ops_handlers.hpp"
#include "moonkey/api/otp_handlers.hpp"
#include "moonkey/api/session_handlers.hpp"
#include "moonkey/api/user_handlers.hpp"

namespace moonkey::api {

http::router make_metrics_routes() {
    http::router r;
    r.add(http::verb::get, "/metrics", metrics);
    return r;
}

http::router make_routes(bool with_metrics) {
    using http::verb;
    http::router r;
    r.add(verb::get, "/healthz", healthz);
    r.add(verb::get, "/readyz", readyz);
    if (with_metrics) r.add(verb::get, "/metrics", metrics);
    r.add(verb::post, "/v1/auth/otps/sms/login_or_create", idempotent(sms_login_or_create));
    r.add(verb::post, "/v1/auth/otps/email/login_or_create", idempotent(email_login_or_create));
    r.add(verb::post, "/v1/auth/otps/sms/send", idempotent(sms_send));
    r.add(verb::post, "/v1/auth/otps/email/send", idempotent(email_send));
    r.add(verb::post, "/v1/auth/otps/verify", idempotent(verify_otp));
    r.add(verb::post, "/v1/auth/sessions/verify", idempotent(verify_session));
    r.add(verb::get, "/v1/auth/sessions/list", list_sessions);
    r.add(verb::delete_, "/v1/auth/sessions/delete", delete_session);
    r.add(verb::get, "/v1/auth/jwks/default", jwks);
    r.add(verb::post, "/v1/auth/users/create", idempotent(create_user));
    r.add(verb::post, "/v1/auth/users/search", idempotent(search_users));
    r.add(verb::get, "/v1/auth/users/{id}", get_user);
    r.add(verb::put, "/v1/auth/users/{id}/update", update_user);
    r.add(verb::delete_, "/v1/auth/users/{id}/delete", delete_user);
    r.add(verb::delete_, "/v1/auth/users/emails/{email_id}/delete", delete_user_email);
    r.add(verb::delete_, "/v1/auth/users/phone_numbers/{id}/delete", delete_user_phone_number);
    return r;
}

}  // namespace moonkey::api
