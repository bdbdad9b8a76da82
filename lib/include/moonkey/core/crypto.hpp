#pragma once
// Thin wrappers over OpenSSL: digests, MACs, randomness, sealing, and the base62 text form.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moonkey::crypto {

using digest = std::array<std::uint8_t, 32>;

// Returns SHA-256 of `data`.
digest sha256(std::string_view data);

// Returns HMAC-SHA-256 of `data` under `key`.
digest hmac_sha256(std::string_view key, std::string_view data);

// Fills `out` from the CSPRNG; aborts the process if the CSPRNG fails (nothing safe can follow).
void random_bytes(std::span<std::uint8_t> out);

// Returns a uniform integer in [0, bound) from the CSPRNG, without modulo bias.
std::uint32_t random_below(std::uint32_t bound);

// Compares in time that depends only on the lengths.
bool equal_constant_time(std::span<std::uint8_t const> a, std::span<std::uint8_t const> b);

// Returns `length` base62 characters ([0-9A-Za-z]) drawn uniformly from the CSPRNG.
std::string random_base62(std::size_t length);

// Returns the lower-case hex form of `bytes`.
std::string to_hex(std::span<std::uint8_t const> bytes);

// Returns standard base64 (with padding) of `bytes`; decode returns nullopt on malformed input.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Encrypts `plaintext` with AES-256-GCM under a key derived from `secret`; the result carries
// its nonce and tag. `open` returns nullopt when the box was altered or sealed under another secret.
std::string seal(std::string_view secret, std::string_view plaintext);
std::optional<std::string> open(std::string_view secret, std::string_view box);

}  // namespace moonkey::crypto
