#pragma once
// SMS-pumping defence (SPEC §5): which numbers an app may send codes to.

#include "moonkey/core/error.hpp"
#include "moonkey/domain/app_settings.hpp"
#include "moonkey/domain/phone_number.hpp"

namespace moonkey {

// Returns success when an SMS may go to `number`: its country is in the app's
// sms_allowed_countries and its type in sms_allowed_number_types. Otherwise
// unsupported_phone_number with the setting that would allow it.
outcome<void> check_sms_destination(phone_number const& number, app_settings const& settings);

}  // namespace moonkey
