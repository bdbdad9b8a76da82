#include "moonkey/domain/phone_number.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace moonkey {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr std::size_t max_input_length = 32;
constexpr std::size_t max_e164_digits = 15;
constexpr std::string_view format_hint = "use E.164 format, e.g. +14155552671";

error invalid(std::string_view what) {
    return fail(errc::invalid_phone_number, std::string(what) + "; " + std::string(format_hint));
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_separator(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Returns "+" and the digits of `input`, dropping separators; rejects anything else.
outcome<std::string> strip_to_digits(std::string_view input) {
    if (input.size() > max_input_length) return invalid("phone_number is too long");
    auto const text = trim(input);
    if (text.empty()) return invalid("phone_number is required");
    if (text.front() != '+')
        return fail(errc::invalid_phone_number, "phone_number must be in E.164 format, e.g. +14155552671");
    std::string digits = "+";
    for (char const c : text.substr(1)) {
        if (is_digit(c))
            digits.push_back(c);
        else if (!is_separator(c))
            return invalid(
                "phone_number may contain only digits after the '+' (spaces, dashes, dots and parentheses "
                "are ignored)");
    }
    if (digits.size() == 1) return invalid("phone_number has no digits after the '+'");
    if (digits.size() - 1 > max_e164_digits) return invalid("phone_number has more than 15 digits");
    return digits;
}

std::string_view parse_error_message(PhoneNumberUtil::ErrorType error) {
    switch (error) {
        case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
            return "phone_number does not start with a known country code";
        // With only digits left, "not a number" means too few of them.
        case PhoneNumberUtil::NOT_A_NUMBER:
        case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
        case PhoneNumberUtil::TOO_SHORT_NSN:
            return "phone_number is too short";
        case PhoneNumberUtil::TOO_LONG_NSN:
            return "phone_number is too long";
        default:
            return "phone_number is not a phone number";
    }
}

std::string_view invalid_number_message(PhoneNumberUtil::ValidationResult reason) {
    switch (reason) {
        case PhoneNumberUtil::INVALID_COUNTRY_CODE:
            return "phone_number does not start with a known country code";
        case PhoneNumberUtil::TOO_SHORT:
            return "phone_number is too short for its country code";
        case PhoneNumberUtil::TOO_LONG:
            return "phone_number is too long for its country code";
        case PhoneNumberUtil::INVALID_LENGTH:
            return "phone_number has the wrong number of digits for its country code";
        default:
            return "phone_number is not a valid number for its country code; check the digits";
    }
}

std::string_view type_name(PhoneNumberUtil::PhoneNumberType type) {
    switch (type) {
        case PhoneNumberUtil::FIXED_LINE:
            return "fixed_line";
        case PhoneNumberUtil::MOBILE:
            return "mobile";
        case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
            return "fixed_line_or_mobile";
        case PhoneNumberUtil::TOLL_FREE:
            return "toll_free";
        case PhoneNumberUtil::PREMIUM_RATE:
            return "premium_rate";
        case PhoneNumberUtil::SHARED_COST:
            return "shared_cost";
        case PhoneNumberUtil::VOIP:
            return "voip";
        case PhoneNumberUtil::PERSONAL_NUMBER:
            return "personal_number";
        case PhoneNumberUtil::PAGER:
            return "pager";
        case PhoneNumberUtil::UAN:
            return "uan";
        case PhoneNumberUtil::VOICEMAIL:
            return "voicemail";
        case PhoneNumberUtil::UNKNOWN:
            return "unknown";
    }
    return "unknown";
}

}  // namespace

outcome<phone_number> parse_phone_number(std::string_view input) {
    auto const digits = strip_to_digits(input);
    if (!digits) return digits.error();

    auto const& util = *PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    // "ZZ" (unknown region): the number must carry its own country code.
    if (auto const status = util.Parse(*digits, "ZZ", &number); status != PhoneNumberUtil::NO_PARSING_ERROR)
        return invalid(parse_error_message(status));
    // GetNumberType is "the type of a valid phone number, or UNKNOWN if it is invalid": the same test
    // as IsValidNumber, which would first cost as much again (each finds the number's region, for +1
    // by trying the NANPA regions' patterns in turn, then matches the region's type patterns).
    auto const type = util.GetNumberType(number);
    if (type == PhoneNumberUtil::UNKNOWN)
        return invalid(invalid_number_message(util.IsPossibleNumberWithReason(number)));

    phone_number result;
    util.Format(number, PhoneNumberUtil::E164, &result.e164);
    util.GetRegionCodeForNumber(number, &result.region);
    result.type = type_name(type);
    return result;
}

}  // namespace moonkey
