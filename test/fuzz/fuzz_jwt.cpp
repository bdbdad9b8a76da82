// Fuzz target: jwt::verify against the fixed RSA key (kid "fuzz-key"), at a fixed time.
// An input without a newline is a token. An input "HEADER\nPAYLOAD" is signed as it stands with the
// fixed key (so that the fuzzer reaches the header and claim checks behind the signature), and, when
// PAYLOAD is a JSON object, also signed as claims with jwt::sign.
// Invariants: verify never fails internally; a token that verifies round-trips (signing its claims
// again gives a token that verifies to the same kid and claims); jwt::sign's token verifies exactly
// when its "exp" is an integer after now and its "nbf", if any, an integer not after now.

#include "fuzz_key.hpp"

#include "moonkey/core/jwt.hpp"

#include <boost/json/parse.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <limits>

using namespace moonkey;

namespace {

constexpr std::int64_t now = 1700000000;

[[noreturn]] void broken(char const* what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

jwt::key_ptr const& fixed_key() {
    static jwt::key_ptr const key = [] {
        auto loaded = jwt::load_private_key(fuzz::fixed_key_pem(), "fuzz-key");
        if (!loaded) broken("the fixed key does not load");
        return *loaded;
    }();
    return key;
}

jwt::key_ptr find_key(std::string_view kid) {
    return kid == "fuzz-key" ? fixed_key() : nullptr;
}

std::string base64url(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t group = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        group = (group << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(alphabet[(group >> bits) & 63]);
        }
    }
    if (bits > 0) out.push_back(alphabet[(group << (6 - bits)) & 63]);
    return out;
}

// Returns "b64(header).b64(payload).b64(RS256 signature)" over the bytes as given.
std::string sign_raw(std::string_view header, std::string_view payload) {
    auto input = base64url(header) + "." + base64url(payload);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t size = 0;
    std::string signature;
    bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, fixed_key()->native_handle()) == 1 &&
              EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<unsigned char const*>(input.data()), input.size()) == 1;
    if (ok) {
        signature.resize(size);
        ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                            reinterpret_cast<unsigned char const*>(input.data()), input.size()) == 1;
    }
    EVP_MD_CTX_free(ctx);
    if (!ok) broken("OpenSSL could not sign");
    signature.resize(size);
    return input + "." + base64url(signature);
}

outcome<jwt::verified_token> verify(std::string_view token) {
    auto verified = jwt::verify(token, find_key, now);
    if (!verified && verified.error().code != errc::invalid_request) broken("verify failed internally");
    if (!verified && verified.error().message.empty()) broken("a refusal has no message");
    return verified;
}

// Claims with fractions or exponents cannot round-trip through Boost.JSON 1.81: it reads 1e400 as
// infinity and writes `Infinity` (not JSON), and its default number parsing is not correctly rounded
// (a 31-digit integer read, written and read again can come back another double). The server signs
// only the claims it builds, of integers and strings; the checks skip claims holding a double.
bool no_doubles(boost::json::value const& v) {
    if (v.is_double()) return false;
    if (auto const* o = v.if_object())
        return std::all_of(o->begin(), o->end(), [](auto const& member) { return no_doubles(member.value()); });
    if (auto const* a = v.if_array()) return std::all_of(a->begin(), a->end(), no_doubles);
    return true;
}

void check_round_trip(jwt::verified_token const& verified) {
    if (verified.kid != "fuzz-key") broken("a token verified under another kid");
    if (!no_doubles(verified.claims)) return;
    auto token = jwt::sign(*fixed_key(), verified.claims);
    if (token.size() > jwt::max_token_size) return;  // the claims' serialization may grow (0.1 is 1E-1)
    auto again = verify(token);
    if (!again) broken("re-signed claims of a verified token do not verify");
    if (again->kid != verified.kid || again->claims != verified.claims) broken("a verified token does not round-trip");
}

// The independent statement of verify's time checks, for tokens that jwt::sign made.
std::optional<std::int64_t> integer_of(boost::json::value const* v) {
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return std::numeric_limits<std::int64_t>::max();
    return std::nullopt;
}

bool timely(boost::json::object const& claims) {
    auto exp = integer_of(claims.if_contains("exp"));
    if (!exp || *exp <= now) return false;
    if (!claims.contains("nbf")) return true;
    auto nbf = integer_of(claims.if_contains("nbf"));
    return nbf && *nbf <= now;
}

void check_signed_claims(std::string_view payload) {
    boost::system::error_code ec;
    auto value = boost::json::parse(payload, ec);
    if (ec || !value.is_object()) return;
    auto const& claims = value.as_object();
    if (!no_doubles(claims)) return;
    auto token = jwt::sign(*fixed_key(), claims);
    auto verified = verify(token);
    if (bool(verified) != (timely(claims) && token.size() <= jwt::max_token_size)) broken("jwt::sign's token is refused, or accepted, wrongly");
    if (verified && verified->claims != claims) broken("jwt::sign's claims come back changed");
    if (verified) check_round_trip(*verified);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view input(reinterpret_cast<char const*>(data), size);
    auto newline = input.find('\n');
    if (newline == std::string_view::npos) {
        auto verified = verify(input);
        if (verified) check_round_trip(*verified);
        return 0;
    }
    auto header = input.substr(0, newline);
    auto payload = input.substr(newline + 1);
    if (header.size() + payload.size() > jwt::max_token_size) return 0;
    auto verified = verify(sign_raw(header, payload));
    if (verified) check_round_trip(*verified);
    check_signed_claims(payload);
    return 0;
}
