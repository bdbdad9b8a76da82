#include "moonkey/core/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace moonkey::crypto {

namespace {

constexpr std::string_view base62_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view seal_context = "moonkey-seal-v1";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

unsigned char const* bytes_of(std::string_view s) {
    return reinterpret_cast<unsigned char const*>(s.data());
}

// OpenSSL failures here mean memory exhaustion or a broken library: not an expected failure.
[[noreturn]] void openssl_failed(char const* what) {
    throw std::runtime_error(std::string("crypto: OpenSSL failed in ") + what);
}

struct cipher_ctx_deleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

cipher_ctx new_cipher_ctx() {
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) openssl_failed("EVP_CIPHER_CTX_new");
    return ctx;
}

// The algorithms, fetched once. OpenSSL 3 resolves a legacy getter such as EVP_sha256() by name in
// its provider tables (locks, a hash lookup, reference counts) at every init call; a fetched object
// skips that and may be shared by every thread.
struct fetched_algorithms {
    fetched_algorithms() {
        if (!sha256 || !aes_256_gcm || !hmac) openssl_failed("EVP_*_fetch");
    }
    ~fetched_algorithms() {
        EVP_MD_free(sha256);
        EVP_CIPHER_free(aes_256_gcm);
        EVP_MAC_free(hmac);
    }
    fetched_algorithms(fetched_algorithms const&) = delete;
    fetched_algorithms& operator=(fetched_algorithms const&) = delete;

    EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_CIPHER* aes_256_gcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
};

fetched_algorithms const& algorithms() {
    static fetched_algorithms const fetched;
    return fetched;
}

struct mac_ctx_deleter {
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
using mac_ctx = std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter>;

// Returns an HMAC context set to SHA-256, to be keyed by each use.
mac_ctx new_hmac_sha256_ctx() {
    mac_ctx ctx(EVP_MAC_CTX_new(algorithms().hmac));
    if (!ctx) openssl_failed("EVP_MAC_CTX_new");
    char digest_name[] = "SHA256";
    OSSL_PARAM const params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                 OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) openssl_failed("EVP_MAC_CTX_set_params");
    return ctx;
}

// CSPRNG bytes for one thread, drawn from RAND_bytes a block at a time. A RAND_bytes call costs about
// a microsecond whatever its size up to a kilobyte (locks, the DRBG's generate and update, its fork
// check), and a request takes a dozen small draws (ids, a nonce, a code).
// Bytes are wiped from the block as they are handed out, so the block never holds bytes already in
// use; a forked child wipes the block it inherited (pthread_atfork), so parent and child never hand
// out the same bytes.
class random_pool {
public:
    void take(std::span<std::uint8_t> out) {
        if (out.size() > direct_limit) return draw(out);
        if (out.size() > available_) refill();
        auto* const from = block_.data() + (block_.size() - available_);
        std::memcpy(out.data(), from, out.size());
        OPENSSL_cleanse(from, out.size());
        available_ -= out.size();
    }

    void discard() {
        OPENSSL_cleanse(block_.data(), block_.size());
        available_ = 0;
    }

    ~random_pool() { discard(); }

private:
    static constexpr std::size_t block_size = 1024;
    // Larger draws gain nothing from the block and would empty it.
    static constexpr std::size_t direct_limit = block_size / 4;

    static void draw(std::span<std::uint8_t> out) {
        while (!out.empty()) {
            auto const chunk = std::min<std::size_t>(out.size(), INT_MAX);
            if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) {
                std::fputs("moonkey: the CSPRNG failed; aborting\n", stderr);
                std::abort();
            }
            out = out.subspan(chunk);
        }
    }

    void refill() {
        discard();
        draw(block_);
        available_ = block_.size();
    }

    std::array<std::uint8_t, block_size> block_{};
    std::size_t available_ = 0;
};

thread_local random_pool thread_random_pool;

void register_fork_wipe() {
    // In the child only the forking thread exists; its pool is the one to wipe.
    static int const registered = pthread_atfork(nullptr, nullptr, [] { thread_random_pool.discard(); });
    if (registered != 0) {
        std::fputs("moonkey: pthread_atfork failed; aborting\n", stderr);
        std::abort();
    }
}

// Holds the AES key derived from a secret and wipes it on scope exit.
struct seal_key {
    explicit seal_key(std::string_view secret) {
        std::string material = std::string(seal_context) + std::string(secret);
        bytes = sha256(material);
        OPENSSL_cleanse(material.data(), material.size());
    }
    ~seal_key() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
    seal_key(seal_key const&) = delete;
    seal_key& operator=(seal_key const&) = delete;
    digest bytes{};
};

int base64_value(char c) {
    auto const pos = base64_alphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

digest sha256(std::string_view data) {
    digest out{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &size, algorithms().sha256, nullptr) != 1)
        openssl_failed("EVP_Digest");
    return out;
}

digest hmac_sha256(std::string_view key, std::string_view data) {
    // Some OpenSSL 3.0 releases reject a null key pointer even with length 0.
    static unsigned char const empty_key = 0;
    // (A null key would also mean "keep the previous key" to EVP_MAC_init, which reuses the context.)
    unsigned char const* key_bytes = key.empty() ? &empty_key : bytes_of(key);
    // One context per thread, keyed again by every call: creating one costs more than the MAC.
    thread_local mac_ctx const ctx = new_hmac_sha256_ctx();
    digest out{};
    std::size_t size = 0;
    if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), nullptr) != 1) openssl_failed("EVP_MAC_init");
    if (EVP_MAC_update(ctx.get(), bytes_of(data), data.size()) != 1) openssl_failed("EVP_MAC_update");
    if (EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1 || size != out.size())
        openssl_failed("EVP_MAC_final");
    return out;
}

void random_bytes(std::span<std::uint8_t> out) {
    register_fork_wipe();
    thread_random_pool.take(out);
}

std::uint32_t random_below(std::uint32_t bound) {
    if (bound <= 1) return 0;
    // Values below 2^32 mod bound would make the low results more likely; draw again instead.
    std::uint32_t const threshold = static_cast<std::uint32_t>(-bound) % bound;
    for (;;) {
        std::uint32_t value = 0;
        random_bytes(std::span(reinterpret_cast<std::uint8_t*>(&value), sizeof value));
        if (value >= threshold) return value % bound;
    }
}

bool equal_constant_time(std::span<std::uint8_t const> a, std::span<std::uint8_t const> b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_base62(std::size_t length) {
    std::string out;
    out.reserve(length);
    std::array<std::uint8_t, 64> pool{};
    while (out.size() < length) {
        random_bytes(pool);
        for (auto const byte : pool) {
            // 248 = 4 * 62: accepting only bytes below it keeps every character equally likely.
            if (byte < 248 && out.size() < length) out.push_back(base62_alphabet[byte % 62]);
        }
    }
    OPENSSL_cleanse(pool.data(), pool.size());
    return out;
}

std::string to_hex(std::span<std::uint8_t const> bytes) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto const byte : bytes) {
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0x0f]);
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    auto const in = bytes_of(bytes);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t const group = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
        out.push_back(base64_alphabet[(group >> 18) & 63]);
        out.push_back(base64_alphabet[(group >> 12) & 63]);
        out.push_back(base64_alphabet[(group >> 6) & 63]);
        out.push_back(base64_alphabet[group & 63]);
    }
    auto const rest = bytes.size() - i;
    if (rest == 0) return out;
    std::uint32_t const group = (in[i] << 16) | (rest == 2 ? in[i + 1] << 8 : 0);
    out.push_back(base64_alphabet[(group >> 18) & 63]);
    out.push_back(base64_alphabet[(group >> 12) & 63]);
    out.push_back(rest == 2 ? base64_alphabet[(group >> 6) & 63] : '=');
    out.push_back('=');
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool const last = i + 4 == text.size();
        std::size_t const data_chars = last ? 4 - padding : 4;
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            int const value = j < data_chars ? base64_value(text[i + j]) : 0;
            if (value < 0) return std::nullopt;
            group = (group << 6) | static_cast<std::uint32_t>(value);
        }
        // Bits below the last full byte must be zero, so each text has one decoding and vice versa.
        if ((padding == 1 && last && (group & 0xff) != 0) || (padding == 2 && last && (group & 0xffff) != 0))
            return std::nullopt;
        out.push_back(static_cast<char>(group >> 16));
        if (data_chars > 2) out.push_back(static_cast<char>((group >> 8) & 0xff));
        if (data_chars > 3) out.push_back(static_cast<char>(group & 0xff));
    }
    return out;
}

std::string seal(std::string_view secret, std::string_view plaintext) {
    seal_key const key(secret);
    std::string box(nonce_size + plaintext.size() + tag_size, '\0');
    auto const out = reinterpret_cast<unsigned char*>(box.data());
    random_bytes(std::span(out, nonce_size));

    auto const ctx = new_cipher_ctx();
    int size = 0;
    if (EVP_EncryptInit_ex2(ctx.get(), algorithms().aes_256_gcm, key.bytes.data(), out, nullptr) != 1)
        openssl_failed("EVP_EncryptInit_ex2");
    if (!plaintext.empty()
        && EVP_EncryptUpdate(ctx.get(), out + nonce_size, &size, bytes_of(plaintext),
                             static_cast<int>(plaintext.size()))
               != 1)
        openssl_failed("EVP_EncryptUpdate");
    if (EVP_EncryptFinal_ex(ctx.get(), out + nonce_size + plaintext.size(), &size) != 1)
        openssl_failed("EVP_EncryptFinal_ex");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                            out + nonce_size + plaintext.size())
        != 1)
        openssl_failed("EVP_CTRL_GCM_GET_TAG");
    return box;
}

std::optional<std::string> open(std::string_view secret, std::string_view box) {
    if (box.size() < nonce_size + tag_size) return std::nullopt;
    auto const nonce = bytes_of(box);
    auto const ciphertext = box.substr(nonce_size, box.size() - nonce_size - tag_size);
    std::array<unsigned char, tag_size> tag{};
    std::copy_n(bytes_of(box) + box.size() - tag_size, tag_size, tag.begin());

    seal_key const key(secret);
    auto const ctx = new_cipher_ctx();
    std::string plaintext(ciphertext.size(), '\0');
    auto const out = reinterpret_cast<unsigned char*>(plaintext.data());
    int size = 0;
    if (EVP_DecryptInit_ex2(ctx.get(), algorithms().aes_256_gcm, key.bytes.data(), nonce, nullptr) != 1)
        openssl_failed("EVP_DecryptInit_ex2");
    if (!ciphertext.empty()
        && EVP_DecryptUpdate(ctx.get(), out, &size, bytes_of(ciphertext), static_cast<int>(ciphertext.size()))
               != 1)
        openssl_failed("EVP_DecryptUpdate");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag.data()) != 1)
        openssl_failed("EVP_CTRL_GCM_SET_TAG");
    if (EVP_DecryptFinal_ex(ctx.get(), out + ciphertext.size(), &size) != 1) {
        // The tag did not verify: wipe the unauthenticated plaintext before discarding it.
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return std::nullopt;
    }
    return plaintext;
}

}  // namespace moonkey::crypto
