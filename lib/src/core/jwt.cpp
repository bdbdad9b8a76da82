#include "moonkey/core/jwt.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <climits>
#include <limits>
#include <optional>
#include <stdexcept>

namespace moonkey::jwt {

namespace {

constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t rsa_bits = 2048;
constexpr std::string_view self_test_input = "moonkey-jwt-key-self-test";

// OpenSSL failures here mean memory exhaustion or a broken library: not an expected failure.
[[noreturn]] void openssl_failed(char const* what) {
    ERR_clear_error();
    throw std::runtime_error(std::string("jwt: OpenSSL failed in ") + what);
}

error invalid(std::string message) {
    return fail(errc::invalid_request, std::move(message));
}

unsigned char const* bytes_of(std::string_view s) {
    return reinterpret_cast<unsigned char const*>(s.data());
}

struct bio_deleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;

struct bignum_deleter {
    void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using bignum_ptr = std::unique_ptr<BIGNUM, bignum_deleter>;

md_ctx_ptr new_md_ctx() {
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    if (!ctx) openssl_failed("EVP_MD_CTX_new");
    return ctx;
}

// Base64url without padding (RFC 7515 §2).
std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    auto const in = bytes_of(bytes);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t const group = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
        out.push_back(base64url_alphabet[(group >> 18) & 63]);
        out.push_back(base64url_alphabet[(group >> 12) & 63]);
        out.push_back(base64url_alphabet[(group >> 6) & 63]);
        out.push_back(base64url_alphabet[group & 63]);
    }
    auto const rest = bytes.size() - i;
    if (rest == 0) return out;
    std::uint32_t const group = (in[i] << 16) | (rest == 2 ? in[i + 1] << 8 : 0);
    out.push_back(base64url_alphabet[(group >> 18) & 63]);
    out.push_back(base64url_alphabet[(group >> 12) & 63]);
    if (rest == 2) out.push_back(base64url_alphabet[(group >> 6) & 63]);
    return out;
}

constexpr std::array<signed char, 256> base64url_values = [] {
    std::array<signed char, 256> values{};
    values.fill(-1);
    for (std::size_t i = 0; i < base64url_alphabet.size(); ++i)
        values[static_cast<unsigned char>(base64url_alphabet[i])] = static_cast<signed char>(i);
    return values;
}();

// Decodes unpadded base64url; refuses padding, other characters, and unused bits that are not zero, so
// that each byte string has exactly one text form and a token cannot be altered without breaking it.
std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t group = 0;
    int bits = 0;
    for (char const c : text) {
        int const value = base64url_values[static_cast<unsigned char>(c)];
        if (value < 0) return std::nullopt;
        group = (group << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((group >> bits) & 0xff));
        }
    }
    if ((group & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

// Refuses every pass phrase request: an encrypted key is an error, never a prompt on the terminal.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

// Returns the big-endian bytes of the RSA parameter `name` ("n" or "e") in base64url.
std::string rsa_param(EVP_PKEY* pkey, char const* name) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) openssl_failed("EVP_PKEY_get_bn_param");
    bignum_ptr const bn(raw);
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
    return base64url_encode(bytes);
}

std::string rs256_sign(EVP_PKEY* pkey, std::string_view input) {
    auto const ctx = new_md_ctx();
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey) != 1)
        openssl_failed("EVP_DigestSignInit");
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) openssl_failed("set_rsa_padding");
    std::size_t size = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &size, bytes_of(input), input.size()) != 1)
        openssl_failed("EVP_DigestSign");
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, bytes_of(input),
                       input.size())
        != 1)
        openssl_failed("EVP_DigestSign");
    signature.resize(size);
    return signature;
}

bool rs256_verify(EVP_PKEY* pkey, std::string_view input, std::string_view signature) {
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey))) return false;
    auto const ctx = new_md_ctx();
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey) != 1)
        openssl_failed("EVP_DigestVerifyInit");
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) openssl_failed("set_rsa_padding");
    int const result =
        EVP_DigestVerify(ctx.get(), bytes_of(signature), signature.size(), bytes_of(input), input.size());
    // A bad signature leaves reasons on this thread's error queue; they are not errors of the caller's.
    if (result != 1) ERR_clear_error();
    return result == 1;
}

std::optional<boost::json::object> parse_object(std::string_view text) {
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

// Returns an integral JSON number as int64 (saturating above it), or nullopt for anything else.
std::optional<std::int64_t> integer_of(boost::json::value const& value) {
    if (value.is_int64()) return value.get_int64();
    if (value.is_uint64()) return std::numeric_limits<std::int64_t>::max();
    return std::nullopt;
}

outcome<verified_token> verify_token(std::string_view token,
                                     std::function<key_ptr(std::string_view kid)> const& find_key,
                                     std::int64_t now) {
    if (token.size() > max_token_size)
        return invalid("token is longer than " + std::to_string(max_token_size) + " bytes");
    auto const first_dot = token.find('.');
    auto const second_dot = first_dot == token.npos ? token.npos : token.find('.', first_dot + 1);
    if (second_dot == token.npos || token.find('.', second_dot + 1) != token.npos)
        return invalid("token does not have three segments");
    auto const signing_input = token.substr(0, second_dot);

    auto const header_json = base64url_decode(token.substr(0, first_dot));
    auto const payload_json = base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
    auto const signature = base64url_decode(token.substr(second_dot + 1));
    if (!header_json || !payload_json || !signature) return invalid("token segment is not base64url");

    auto const header = parse_object(*header_json);
    if (!header) return invalid("token header is not a JSON object");
    auto const* alg = header->if_contains("alg");
    if (!alg || !alg->is_string() || alg->get_string() != "RS256") return invalid("token alg is not RS256");
    // RFC 7515 §4.1.11: extensions listed in "crit" must be understood, and this module knows none.
    if (header->contains("crit")) return invalid("token header has crit extensions");
    auto const* kid = header->if_contains("kid");
    if (!kid || !kid->is_string() || kid->get_string().empty()) return invalid("token header has no kid");
    std::string_view const kid_text = kid->get_string();

    auto const key = find_key(kid_text);
    if (!key) return invalid("token kid is unknown");
    if (!rs256_verify(key->native_handle(), signing_input, *signature))
        return invalid("token signature does not verify");

    auto payload = parse_object(*payload_json);
    if (!payload) return invalid("token payload is not a JSON object");
    auto const* exp_value = payload->if_contains("exp");
    auto const exp = exp_value ? integer_of(*exp_value) : std::nullopt;
    if (!exp) return invalid("token exp is missing or not an integer");
    if (*exp <= now) return invalid("token has expired");
    if (auto const* nbf_value = payload->if_contains("nbf")) {
        auto const nbf = integer_of(*nbf_value);
        if (!nbf) return invalid("token nbf is not an integer");
        if (*nbf > now) return invalid("token is not yet valid");
    }
    return verified_token{std::string(kid_text), std::move(*payload)};
}

}  // namespace

void signing_key::pkey_deleter::operator()(evp_pkey_st* pkey) const noexcept {
    EVP_PKEY_free(pkey);
}

std::string generate_private_key_pem() {
    signing_key::pkey_ptr const pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", rsa_bits));
    if (!pkey) openssl_failed("EVP_PKEY_Q_keygen");
    // Secure memory is wiped when freed, so the only copy left is the one returned.
    bio_ptr const bio(BIO_new(BIO_s_secmem()));
    if (!bio) openssl_failed("BIO_new");
    if (PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        openssl_failed("PEM_write_bio_PrivateKey");
    char* data = nullptr;
    long const size = BIO_get_mem_data(bio.get(), &data);
    if (size <= 0 || data == nullptr) openssl_failed("BIO_get_mem_data");
    return std::string(data, static_cast<std::size_t>(size));
}

outcome<key_ptr> load_private_key(std::string_view pem, std::string kid) {
    if (kid.empty()) return invalid("signing key id is empty");
    if (pem.empty() || pem.size() > INT_MAX) return invalid("signing key is not a PEM private key");
    bio_ptr const bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) openssl_failed("BIO_new_mem_buf");
    signing_key::pkey_ptr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    ERR_clear_error();
    if (!pkey) return invalid("signing key is not an unencrypted PEM private key");
    if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) return invalid("signing key is not an RSA key");
    if (EVP_PKEY_get_bits(pkey.get()) < static_cast<int>(rsa_bits))
        return invalid("signing key is shorter than " + std::to_string(rsa_bits) + " bits");
    // A round trip proves the key can sign and that its private half matches its public one.
    auto const signature = [&]() -> std::optional<std::string> {
        try {
            return rs256_sign(pkey.get(), self_test_input);
        } catch (std::runtime_error const&) {
            return std::nullopt;
        }
    }();
    if (!signature || !rs256_verify(pkey.get(), self_test_input, *signature))
        return invalid("signing key is not a usable RSA private key");

    boost::json::object jwk;
    jwk["kty"] = "RSA";
    jwk["use"] = "sig";
    jwk["alg"] = "RS256";
    jwk["kid"] = kid;
    jwk["n"] = rsa_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N);
    jwk["e"] = rsa_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E);
    return key_ptr(new signing_key(std::move(pkey), std::move(kid), std::move(jwk)));
}

boost::json::object public_jwk(signing_key const& key) {
    return key.jwk();
}

std::string sign(signing_key const& key, boost::json::object const& claims) {
    boost::json::object header;
    header["alg"] = "RS256";
    header["typ"] = "JWT";
    header["kid"] = key.kid();
    std::string input = base64url_encode(boost::json::serialize(header));
    input += '.';
    input += base64url_encode(boost::json::serialize(claims));
    auto const signature = rs256_sign(key.native_handle(), input);
    input += '.';
    input += base64url_encode(signature);
    return input;
}

outcome<verified_token> verify(std::string_view token,
                               std::function<key_ptr(std::string_view kid)> const& find_key,
                               std::int64_t now) {
    try {
        return verify_token(token, find_key, now);
    } catch (...) {
        return fail(errc::internal_server_error, "token could not be verified");
    }
}

std::string_view key_id(signing_key const& key) {
    return key.kid();
}

}  // namespace moonkey::jwt
