#include "moonkey/domain/session_json.hpp"

namespace moonkey {

boost::json::object session_json(session_record const& s) {
    boost::json::array factors;
    for (auto const& f : s.factors) {
        boost::json::object method{{"method_id", f.method_id}, {"method_type", method_type_of(f.via)}};
        method[f.via == channel::sms ? "phone_number" : "email"] = f.destination;
        factors.push_back(boost::json::object{
            {"delivery_channel", to_string(f.via)}, {"type", "otp"}, {"method", std::move(method)}});
    }
    return boost::json::object{
        {"id", s.id},
        {"user_id", s.user_id},
        {"started_at", s.started_at},
        {"expires_at", s.expires_at},
        {"last_active_at", s.last_active_at},
        {"factors", std::move(factors)},
        {"device_fingerprint", boost::json::object{{"ip", s.fingerprint.ip}, {"user_agent", s.fingerprint.user_agent}}},
        {"created_at", s.created_at},
        {"updated_at", s.updated_at},
    };
}

}  // namespace moonkey
