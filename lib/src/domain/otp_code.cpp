#include "moonkey/domain/otp_code.hpp"

#include <algorithm>

namespace moonkey {

namespace {

constexpr std::size_t code_length = 6;
constexpr std::uint32_t code_space = 1'000'000;

bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::string generate_otp_code() {
    auto value = crypto::random_below(code_space);
    std::string code(code_length, '0');
    for (std::size_t i = code_length; i-- > 0; value /= 10) code[i] = static_cast<char>('0' + value % 10);
    return code;
}

crypto::digest otp_code_digest(std::string_view secret, std::string_view method_id, std::string_view code) {
    std::string message;
    message.reserve(method_id.size() + code.size());
    message.append(method_id).append(code);
    return crypto::hmac_sha256(secret, message);
}

bool is_otp_code(std::string_view code) {
    return code.size() == code_length && std::all_of(code.begin(), code.end(), is_ascii_digit);
}

}  // namespace moonkey
