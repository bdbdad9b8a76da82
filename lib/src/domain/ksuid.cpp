#include "moonkey/domain/ksuid.hpp"

#include "moonkey/core/crypto.hpp"

#include <algorithm>
#include <chrono>
#include <span>

namespace moonkey {

namespace {

constexpr std::string_view base62_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::int64_t ksuid_epoch = 1400000000;  // 2014-05-13T16:53:20Z
constexpr std::size_t encoded_size = 27;
constexpr std::size_t timestamp_size = 4;

bool is_base62(char c) {
    return base62_alphabet.find(c) != std::string_view::npos;
}

// Seconds since the KSUID epoch, clamped to what four bytes can hold.
std::uint32_t ksuid_timestamp(std::int64_t unix_seconds) {
    auto const since_epoch = std::clamp<std::int64_t>(unix_seconds - ksuid_epoch, 0, UINT32_MAX);
    return static_cast<std::uint32_t>(since_epoch);
}

}  // namespace

std::string encode_ksuid(std::array<std::uint8_t, 20> const& raw) {
    // Long division of the 160-bit big-endian number by 62, one base62 digit per pass;
    // 62^27 > 2^160, so 27 digits always suffice.
    auto number = raw;
    std::string out(encoded_size, '0');
    for (std::size_t digit = encoded_size; digit-- > 0;) {
        std::uint32_t remainder = 0;
        for (auto& byte : number) {
            std::uint32_t const accumulator = (remainder << 8) | byte;
            byte = static_cast<std::uint8_t>(accumulator / 62);
            remainder = accumulator % 62;
        }
        out[digit] = base62_alphabet[remainder];
    }
    return out;
}

std::string new_id(std::string_view prefix, std::int64_t unix_seconds) {
    std::array<std::uint8_t, 20> raw{};
    auto const timestamp = ksuid_timestamp(unix_seconds);
    for (std::size_t i = 0; i < timestamp_size; ++i)
        raw[i] = static_cast<std::uint8_t>(timestamp >> (8 * (timestamp_size - 1 - i)));
    crypto::random_bytes(std::span(raw).subspan(timestamp_size));
    return std::string(prefix) + encode_ksuid(raw);
}

std::string new_id(std::string_view prefix) {
    auto const now = std::chrono::system_clock::now().time_since_epoch();
    return new_id(prefix, std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

bool is_id(std::string_view id, std::string_view prefix) {
    if (!id.starts_with(prefix)) return false;
    auto const body = id.substr(prefix.size());
    return body.size() == encoded_size && std::all_of(body.begin(), body.end(), is_base62);
}

}  // namespace moonkey
