#include <boost/test/unit_test.hpp>

#include "moonkey/core/crypto.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

using namespace moonkey;
using namespace std::literals;

namespace {

std::span<std::uint8_t const> as_bytes(std::string_view s) {
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_test)

BOOST_AUTO_TEST_CASE(sha256_known_vectors) {
    // FIPS 180-2 examples.
    BOOST_TEST(crypto::to_hex(crypto::sha256(""))
               == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(crypto::to_hex(crypto::sha256("abc"))
               == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(crypto::to_hex(crypto::sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
               == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_vectors) {
    BOOST_TEST(crypto::to_hex(crypto::hmac_sha256(std::string(20, '\x0b'), "Hi There"))
               == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    BOOST_TEST(crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?"))
               == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 6: a key longer than the block size is hashed first.
    BOOST_TEST(crypto::to_hex(crypto::hmac_sha256(std::string(131, '\xaa'),
                                                  "Test Using Larger Than Block-Size Key - Hash Key First"))
               == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_accepts_an_empty_key) {
    BOOST_TEST(crypto::to_hex(crypto::hmac_sha256("", ""))
               == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_uses_only_the_key_of_each_call) {
    // Every thread reuses one context: no key may carry over into the next MAC, an empty one least of all.
    auto const jefe = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"s;
    auto const empty = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"s;
    BOOST_TEST(crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) == jefe);
    BOOST_TEST(crypto::to_hex(crypto::hmac_sha256("", "")) == empty);
    BOOST_TEST(crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) == jefe);
    std::string in_thread;
    std::thread([&] {
        in_thread = crypto::to_hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?"));
    }).join();
    BOOST_TEST(in_thread == jefe);
}

BOOST_AUTO_TEST_CASE(to_hex_is_lower_case) {
    std::array<std::uint8_t, 4> const bytes{0x00, 0x0f, 0xab, 0xff};
    BOOST_TEST(crypto::to_hex(bytes) == "000fabff");
    BOOST_TEST(crypto::to_hex({}) == "");
}

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors) {
    std::pair<std::string_view, std::string_view> const vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (auto const& [plain, encoded] : vectors) {
        BOOST_TEST(crypto::base64_encode(plain) == encoded);
        auto const decoded = crypto::base64_decode(encoded);
        BOOST_TEST_REQUIRE(decoded.has_value());
        BOOST_TEST(*decoded == plain);
    }
}

BOOST_AUTO_TEST_CASE(base64_round_trips_every_byte) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t length = 0; length <= all.size(); length += 17) {
        auto const plain = all.substr(all.size() - length);
        auto const decoded = crypto::base64_decode(crypto::base64_encode(plain));
        BOOST_TEST_REQUIRE(decoded.has_value());
        BOOST_TEST(*decoded == plain);
    }
}

BOOST_AUTO_TEST_CASE(base64_rejects_malformed_text) {
    for (std::string_view const text : {"Z", "Zg=", "Zg", "Zm9vY", "Zg=\n", "Z===", "====", "Zg==Zg==",
                                        "Zm9v!A==", "Zm 9v", "Zh==", "Zm9=", "=Zm9", "Zm-_"}) {
        BOOST_TEST(!crypto::base64_decode(text).has_value(), "accepted: " << text);
    }
    BOOST_TEST(!crypto::base64_decode("Zm9v\0\0\0\0"sv).has_value());
}

BOOST_AUTO_TEST_CASE(seal_and_open_round_trip) {
    for (std::string_view const plaintext : {""sv, "x"sv, "a phone number +14155552671"sv, "\0\1\2\3"sv}) {
        auto const box = crypto::seal("server secret", plaintext);
        BOOST_TEST(box.size() == 12 + plaintext.size() + 16);
        auto const opened = crypto::open("server secret", box);
        BOOST_TEST_REQUIRE(opened.has_value());
        BOOST_TEST(*opened == plaintext);
    }
}

BOOST_AUTO_TEST_CASE(seal_uses_a_fresh_nonce) {
    BOOST_TEST(crypto::seal("secret", "same text") != crypto::seal("secret", "same text"));
}

BOOST_AUTO_TEST_CASE(open_rejects_a_tampered_box) {
    auto const box = crypto::seal("secret", "some plaintext");
    for (std::size_t i = 0; i < box.size(); ++i) {
        auto tampered = box;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        BOOST_TEST(!crypto::open("secret", tampered).has_value(), "byte " << i);
    }
    BOOST_TEST(!crypto::open("secret", box.substr(0, box.size() - 1)).has_value());
    BOOST_TEST(!crypto::open("secret", box + "x").has_value());
    BOOST_TEST(!crypto::open("secret", "").has_value());
    BOOST_TEST(!crypto::open("secret", std::string(27, 'a')).has_value());
}

BOOST_AUTO_TEST_CASE(open_rejects_another_secret) {
    auto const box = crypto::seal("secret one", "some plaintext");
    BOOST_TEST(!crypto::open("secret two", box).has_value());
    BOOST_TEST(!crypto::open("", box).has_value());
}

BOOST_AUTO_TEST_CASE(random_below_stays_in_bounds) {
    BOOST_TEST(crypto::random_below(1) == 0u);
    for (std::uint32_t const bound : {2u, 3u, 10u, 62u, 1000000u, 0x80000001u, 0xffffffffu}) {
        for (int i = 0; i < 1000; ++i) BOOST_TEST_REQUIRE(crypto::random_below(bound) < bound);
    }
}

BOOST_AUTO_TEST_CASE(random_below_reaches_every_value) {
    // 10000 draws over 7 values: the chance of missing one is about 7 * (6/7)^10000, far below 1e-600.
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 10000; ++i) seen.insert(crypto::random_below(7));
    BOOST_TEST(seen.size() == 7u);
}

BOOST_AUTO_TEST_CASE(random_bytes_fills_the_buffer) {
    std::array<std::uint8_t, 64> a{};
    std::array<std::uint8_t, 64> b{};
    crypto::random_bytes(a);
    crypto::random_bytes(b);
    BOOST_TEST(a != b);  // equal only with probability 2^-512
    crypto::random_bytes({});
}

BOOST_AUTO_TEST_CASE(random_bytes_never_hands_out_the_same_bytes_twice) {
    // Small draws come from a per-thread block refilled as it runs out: 1000 draws of 16 bytes cross
    // many refills, and any two equal draws (probability about 2^-108) would mean bytes served twice.
    std::set<std::array<std::uint8_t, 16>> seen;
    for (int i = 0; i < 1000; ++i) {
        std::array<std::uint8_t, 16> draw{};
        crypto::random_bytes(draw);
        BOOST_TEST_REQUIRE(seen.insert(draw).second);
        // Draws of other sizes in between, some too large for the block.
        std::vector<std::uint8_t> other(static_cast<std::size_t>(i % 7 == 0 ? 300 + i : 1 + i % 250));
        crypto::random_bytes(other);
    }
    std::vector<std::uint8_t> large(100000);
    crypto::random_bytes(large);
    BOOST_TEST(std::set<std::uint8_t>(large.begin(), large.end()).size() == 256u);
}

BOOST_AUTO_TEST_CASE(threads_draw_different_bytes) {
    std::array<std::uint8_t, 32> here{};
    std::array<std::uint8_t, 32> there{};
    crypto::random_bytes(here);
    std::thread([&] { crypto::random_bytes(there); }).join();
    BOOST_TEST(here != there);
}

BOOST_AUTO_TEST_CASE(a_forked_child_draws_other_bytes_than_its_parent) {
    std::array<std::uint8_t, 1> first{};
    crypto::random_bytes(first);  // the parent now holds drawn bytes not yet handed out
    int fds[2];
    BOOST_TEST_REQUIRE(::pipe(fds) == 0);
    pid_t const child = ::fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0) {
        std::array<std::uint8_t, 32> drawn{};
        crypto::random_bytes(drawn);
        auto const written = ::write(fds[1], drawn.data(), drawn.size());
        ::_exit(written == static_cast<ssize_t>(drawn.size()) ? 0 : 1);
    }
    ::close(fds[1]);
    std::array<std::uint8_t, 32> in_child{};
    std::size_t got = 0;
    while (got < in_child.size()) {
        auto const n = ::read(fds[0], in_child.data() + got, in_child.size() - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    BOOST_TEST_REQUIRE(got == in_child.size());
    BOOST_TEST(WIFEXITED(status));
    std::array<std::uint8_t, 32> in_parent{};
    crypto::random_bytes(in_parent);
    BOOST_TEST(in_parent != in_child);
}

BOOST_AUTO_TEST_CASE(random_base62_has_the_length_and_alphabet) {
    constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    BOOST_TEST(crypto::random_base62(0) == "");
    for (std::size_t const length : {1u, 27u, 32u, 100u, 1000u}) {
        auto const text = crypto::random_base62(length);
        BOOST_TEST(text.size() == length);
        BOOST_TEST(std::all_of(text.begin(), text.end(),
                               [&](char c) { return alphabet.find(c) != std::string_view::npos; }));
    }
    // 62000 characters: missing any one of the 62 has probability about 62 * e^-1000.
    auto const text = crypto::random_base62(62000);
    BOOST_TEST(std::set<char>(text.begin(), text.end()).size() == 62u);
}

BOOST_AUTO_TEST_CASE(equal_constant_time_compares) {
    BOOST_TEST(crypto::equal_constant_time(as_bytes("abc"), as_bytes("abc")));
    BOOST_TEST(!crypto::equal_constant_time(as_bytes("abc"), as_bytes("abd")));
    BOOST_TEST(!crypto::equal_constant_time(as_bytes("abc"), as_bytes("ab")));
    BOOST_TEST(crypto::equal_constant_time(as_bytes(""), as_bytes("")));
    auto const d = crypto::sha256("x");
    BOOST_TEST(crypto::equal_constant_time(d, crypto::sha256("x")));
    BOOST_TEST(!crypto::equal_constant_time(d, crypto::sha256("y")));
}

BOOST_AUTO_TEST_SUITE_END()
