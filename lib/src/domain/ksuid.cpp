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

// Writes the 27 base62 digits of the 160-bit big-endian number `raw` to `out`. Long division of the
// number, held as five 32-bit limbs, by 62^5 per pass: each pass yields five digits (27 digits take six
// passes, not the 27 of a division by 62), and 62^27 > 2^160, so 27 digits always suffice.
void write_base62(std::array<std::uint8_t, 20> const& raw, char* out) {
    constexpr std::uint64_t five_digits = 62ULL * 62 * 62 * 62 * 62;  // 916,132,832 < 2^32
    std::array<std::uint32_t, 5> limbs{};
    for (std::size_t i = 0; i < raw.size(); ++i) limbs[i / 4] = (limbs[i / 4] << 8) | raw[i];
    for (std::size_t left = encoded_size; left > 0;) {
        std::uint64_t remainder = 0;
        for (auto& limb : limbs) {
            std::uint64_t const accumulator = (remainder << 32) | limb;
            limb = static_cast<std::uint32_t>(accumulator / five_digits);
            remainder = accumulator % five_digits;
        }
        for (int digit = 0; digit < 5 && left > 0; ++digit) {
            out[--left] = base62_alphabet[remainder % 62];
            remainder /= 62;
        }
    }
}

}  // namespace

std::string encode_ksuid(std::array<std::uint8_t, 20> const& raw) {
    std::string out(encoded_size, '0');
    write_base62(raw, out.data());
    return out;
}

std::string new_id(std::string_view prefix, std::int64_t unix_seconds) {
    std::array<std::uint8_t, 20> raw{};
    auto const timestamp = ksuid_timestamp(unix_seconds);
    for (std::size_t i = 0; i < timestamp_size; ++i)
        raw[i] = static_cast<std::uint8_t>(timestamp >> (8 * (timestamp_size - 1 - i)));
    crypto::random_bytes(std::span(raw).subspan(timestamp_size));
    std::string id(prefix.size() + encoded_size, '0');
    prefix.copy(id.data(), prefix.size());
    write_base62(raw, id.data() + prefix.size());
    return id;
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
