#include "moonkey/domain/sms_destination_policy.hpp"

#include <algorithm>

namespace moonkey {
namespace {

bool contains(std::vector<std::string> const& items, std::string const& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

std::string joined(std::vector<std::string> const& items) {
    std::string out;
    for (auto const& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

}  // namespace

outcome<void> check_sms_destination(phone_number const& number, app_settings const& settings) {
    auto const& countries = settings.sms_allowed_countries;
    bool every_country = countries.size() == 1 && countries.front() == "*";
    if (!every_country && !contains(countries, number.region)) {
        auto region = number.region.empty() ? std::string("an unknown country") : number.region;
        return fail(errc::unsupported_phone_number,
                    "this app does not send SMS to numbers in " + region + " (allowed: " + joined(countries) +
                        "); allow it with `moonkeyctl app set APP sms_allowed_countries " + joined(countries) + ',' +
                        number.region + "`");
    }
    auto const& types = settings.sms_allowed_number_types;
    if (!contains(types, number.type)) {
        return fail(errc::unsupported_phone_number,
                    "this is a " + number.type + " number, which this app does not send SMS to (allowed: " +
                        joined(types) + "); premium-rate, shared-cost and toll-free numbers are refused to stop "
                        "SMS-pumping fraud; allow the type with `moonkeyctl app set APP sms_allowed_number_types " +
                        joined(types) + ',' + number.type + "`");
    }
    return {};
}

}  // namespace moonkey
