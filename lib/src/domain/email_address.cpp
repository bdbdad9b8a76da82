#include "moonkey/domain/email_address.hpp"

#include <algorithm>

namespace moonkey {

namespace {

constexpr std::size_t max_address_length = 254;
constexpr std::size_t max_local_length = 64;
constexpr std::size_t max_label_length = 63;
// RFC 5322 atext, besides letters and digits; the quoted form of a local part is not accepted.
constexpr std::string_view local_specials = "!#$%&'*+/=?^_`{|}~-";

error invalid(std::string message) {
    return fail(errc::invalid_email, std::move(message));
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_non_ascii(char c) {
    return static_cast<unsigned char>(c) >= 0x80;
}
bool is_control_or_space(char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
}
bool is_lower_alpha(char c) {
    return c >= 'a' && c <= 'z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_local_char(char c) {
    return is_lower_alpha(c) || is_digit(c) || c == '.' || local_specials.find(c) != std::string_view::npos;
}
bool is_label_char(char c) {
    return is_lower_alpha(c) || is_digit(c) || c == '-';
}
char to_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Checks what applies to the whole address: presence, length, and the bytes it may hold.
outcome<void> check_characters(std::string_view address) {
    if (address.empty()) return invalid("email is required");
    if (std::any_of(address.begin(), address.end(), is_non_ascii))
        return invalid(
            "email must contain only ASCII characters; internationalized addresses are not supported");
    if (std::any_of(address.begin(), address.end(), is_control_or_space))
        return invalid("email must not contain spaces or control characters");
    auto const at_count = std::count(address.begin(), address.end(), '@');
    if (at_count == 0) return invalid("email must contain an '@', e.g. name@example.com");
    if (at_count > 1) return invalid("email must contain exactly one '@'");
    return {};
}

outcome<void> check_local_part(std::string_view local) {
    if (local.empty()) return invalid("email must have a name before the '@'");
    if (local.size() > max_local_length)
        return invalid("email must have at most 64 characters before the '@'");
    if (local.find('"') != std::string_view::npos) return invalid("email must not contain quotes");
    if (!std::all_of(local.begin(), local.end(), is_local_char))
        return invalid(
            "email has a character before the '@' that is not allowed; use letters, digits and "
            "!#$%&'*+/=?^_`{|}~.-");
    if (local.front() == '.' || local.back() == '.')
        return invalid("email must not start or end with a '.' before the '@'");
    if (local.find("..") != std::string_view::npos) return invalid("email must not contain consecutive dots");
    return {};
}

outcome<void> check_label(std::string_view label) {
    if (label.empty())
        return invalid("email domain must not have empty labels (leading, trailing or double dots)");
    if (label.size() > max_label_length) return invalid("email domain labels must be at most 63 characters");
    if (!std::all_of(label.begin(), label.end(), is_label_char))
        return invalid("email domain may contain only letters, digits, '-' and '.'");
    if (label.front() == '-' || label.back() == '-')
        return invalid("email domain labels must not start or end with '-'");
    return {};
}

// A top-level domain is letters ("com"), or an internationalized one in its ASCII form ("xn--p1ai").
bool is_top_level_domain(std::string_view tld) {
    if (tld.starts_with("xn--")) return true;  // check_label has refused a bare "xn--"
    return tld.size() >= 2 && std::all_of(tld.begin(), tld.end(), is_lower_alpha);
}

outcome<void> check_domain(std::string_view domain) {
    if (domain.empty()) return invalid("email must have a domain after the '@', e.g. example.com");
    if (domain.find('.') == std::string_view::npos)
        return invalid("email domain must contain a dot, e.g. example.com");
    std::string_view rest = domain;
    std::string_view label;
    for (;;) {
        auto const dot = rest.find('.');
        label = rest.substr(0, dot);
        if (auto const checked = check_label(label); !checked) return checked;
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    if (!is_top_level_domain(label))
        return invalid("email domain must end in a top-level domain of at least two letters, e.g. .com");
    return {};
}

}  // namespace

outcome<std::string> normalize_email(std::string_view input) {
    auto const trimmed = trim(input);
    // Checked before copying, so an oversized input costs no allocation.
    if (trimmed.size() > max_address_length) return invalid("email must be at most 254 characters");
    std::string address(trimmed);
    std::transform(address.begin(), address.end(), address.begin(), to_lower);
    if (auto const checked = check_characters(address); !checked) return checked.error();
    auto const at = address.find('@');
    auto const local = std::string_view(address).substr(0, at);
    auto const domain = std::string_view(address).substr(at + 1);
    if (auto const checked = check_local_part(local); !checked) return checked.error();
    if (auto const checked = check_domain(domain); !checked) return checked.error();
    return address;
}

}  // namespace moonkey
