// Fuzz target: phone number and email normalization, on every input.
// Invariants: a normalized value normalizes to itself; E.164 is '+' and 1 to 15 digits, starting
// with a non-zero country code digit; a normalized email is what normalize_email promises
// (lower case, one '@', at most 254 characters, no spaces or control characters).

#include "moonkey/domain/email_address.hpp"
#include "moonkey/domain/phone_number.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace moonkey;

namespace {

[[noreturn]] void broken(char const* what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void check_phone(std::string_view input) {
    auto number = parse_phone_number(input);
    if (!number) {
        if (number.error().code != errc::invalid_phone_number) broken("a phone number failed with another error");
        if (number.error().message.empty()) broken("a phone number error has no message");
        return;
    }
    auto const& e164 = number->e164;
    if (e164.size() < 2 || e164.size() > 16 || e164.front() != '+') broken("E.164 is not '+' and 1..15 digits");
    if (!std::all_of(e164.begin() + 1, e164.end(), is_digit)) broken("E.164 holds a non-digit");
    if (e164[1] == '0') broken("E.164 starts with a zero country code digit");
    if (number->region.empty() || number->type.empty()) broken("a valid number has no region or type");
    auto again = parse_phone_number(e164);
    if (!again) broken("E.164 output does not parse again");
    if (again->e164 != e164 || again->region != number->region || again->type != number->type)
        broken("E.164 output normalizes to something else");
}

void check_email(std::string_view input) {
    auto email = normalize_email(input);
    if (!email) {
        if (email.error().code != errc::invalid_email) broken("an email failed with another error");
        if (email.error().message.empty()) broken("an email error has no message");
        return;
    }
    auto const& address = *email;
    if (address.empty() || address.size() > 254) broken("a normalized email is empty or over 254 characters");
    if (std::count(address.begin(), address.end(), '@') != 1) broken("a normalized email has not one '@'");
    for (unsigned char c : address)
        if (c <= 0x20 || c >= 0x7f || (c >= 'A' && c <= 'Z')) broken("a normalized email holds a space, control, non-ASCII or capital");
    auto again = normalize_email(address);
    if (!again || *again != address) broken("a normalized email normalizes to something else");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view input(reinterpret_cast<char const*>(data), size);
    check_phone(input);
    check_email(input);
    return 0;
}
