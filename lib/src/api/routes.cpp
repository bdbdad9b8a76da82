#include "moonkey/api/routes.hpp"

#include "moonkey/api/idempotency.hpp"
#include "moonkey/api/load_shedding.hpp"
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
    // The OTP endpoints carry the load: they shed it before parsing while the database queue is over
    // its wait bound (load_shedding.hpp). The others are light and stay served.
    auto const login = [](http::handler h) {
        return shed_when_overloaded(store_work::login, idempotent(std::move(h)));
    };
    r.add(verb::post, "/v1/auth/otps/sms/login_or_create", login(sms_login_or_create));
    r.add(verb::post, "/v1/auth/otps/email/login_or_create", login(email_login_or_create));
    r.add(verb::post, "/v1/auth/otps/sms/send", login(sms_send));
    r.add(verb::post, "/v1/auth/otps/email/send", login(email_send));
    r.add(verb::post, "/v1/auth/otps/verify", shed_when_overloaded(store_work::other, idempotent(verify_otp)));
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
