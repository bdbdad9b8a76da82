#include <boost/test/unit_test.hpp>

#include "moonkey/domain/ksuid.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <vector>

using namespace moonkey;

namespace {

constexpr std::string_view base62_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::int64_t ksuid_epoch = 1400000000;

std::array<std::uint8_t, 20> raw_from_hex(std::string_view hex) {
    std::array<std::uint8_t, 20> raw{};
    for (std::size_t i = 0; i < raw.size(); ++i)
        raw[i] = static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
    return raw;
}

// The plain form of the encoding: long division of the big-endian bytes by 62, one digit per pass.
std::string base62_by_single_digits(std::array<std::uint8_t, 20> number) {
    std::string out(27, '0');
    for (std::size_t digit = out.size(); digit-- > 0;) {
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

}  // namespace

BOOST_AUTO_TEST_SUITE(ksuid_test)

BOOST_AUTO_TEST_CASE(encodes_known_vectors) {
    BOOST_TEST(encode_ksuid({}) == "000000000000000000000000000");
    std::array<std::uint8_t, 20> max{};
    max.fill(0xff);
    BOOST_TEST(encode_ksuid(max) == "aWgEPTl1tmebfsQzFP4bxwgy80V");
    // The example in github.com/segmentio/ksuid's README.
    BOOST_TEST(encode_ksuid(raw_from_hex("0669F7EFB5A1CD34B5F99D1154FB6853345C9735"))
               == "0ujtsYcgvSTl8PAuAdqWYSMnLOv");
    std::array<std::uint8_t, 20> one{};
    one.back() = 1;
    BOOST_TEST(encode_ksuid(one) == "000000000000000000000000001");
    one.back() = 62;
    BOOST_TEST(encode_ksuid(one) == "000000000000000000000000010");
}

BOOST_AUTO_TEST_CASE(encodes_like_division_by_62) {
    // Random payloads, every single set byte and bit patterns near the top: each limb and carry.
    std::mt19937_64 rng(20140513);
    std::vector<std::array<std::uint8_t, 20>> inputs;
    for (int i = 0; i < 5000; ++i) {
        std::array<std::uint8_t, 20> raw{};
        for (auto& b : raw) b = static_cast<std::uint8_t>(rng());
        inputs.push_back(raw);
    }
    for (std::size_t at = 0; at < 20; ++at) {
        for (std::uint8_t const value :
             {std::uint8_t{1}, std::uint8_t{61}, std::uint8_t{62}, std::uint8_t{0xff}}) {
            std::array<std::uint8_t, 20> raw{};
            raw[at] = value;
            inputs.push_back(raw);
            raw.fill(0xff);
            raw[at] = static_cast<std::uint8_t>(0xff - value);
            inputs.push_back(raw);
        }
    }
    for (auto const& raw : inputs) BOOST_TEST_REQUIRE(encode_ksuid(raw) == base62_by_single_digits(raw));
}

BOOST_AUTO_TEST_CASE(new_id_has_prefix_length_and_alphabet) {
    auto const id = new_id("user_");
    BOOST_TEST(id.size() == 5u + 27u);
    BOOST_TEST(id.starts_with("user_"));
    auto const body = std::string_view(id).substr(5);
    BOOST_TEST(std::all_of(body.begin(), body.end(),
                           [](char c) { return base62_alphabet.find(c) != std::string_view::npos; }));
    BOOST_TEST(new_id("").size() == 27u);
}

BOOST_AUTO_TEST_CASE(new_ids_differ_within_a_second) {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) ids.insert(new_id("x_", 1700000000));
    BOOST_TEST(ids.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(ids_sort_by_time_across_seconds) {
    for (std::int64_t const t :
         {ksuid_epoch, std::int64_t{1500000000}, std::int64_t{1700000000}, ksuid_epoch + 0xfffffffe}) {
        for (int i = 0; i < 200; ++i) BOOST_TEST_REQUIRE(new_id("a_", t) < new_id("a_", t + 1));
    }
}

BOOST_AUTO_TEST_CASE(timestamp_is_the_leading_part) {
    // 2^128 < 62^22, so at the epoch the five leading digits are '0' whatever the payload.
    BOOST_TEST(new_id("", ksuid_epoch).substr(0, 5) == "00000");
    // Stamped like the segmentio example, an id lies between that second's zero and all-ones payloads.
    auto const low = raw_from_hex("0669F7EF00000000000000000000000000000000");
    auto const high = raw_from_hex("0669F7EFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
    for (int i = 0; i < 100; ++i) {
        auto const id = new_id("", ksuid_epoch + 107608047);
        BOOST_TEST_REQUIRE(id >= encode_ksuid(low));
        BOOST_TEST_REQUIRE(id <= encode_ksuid(high));
    }
}

BOOST_AUTO_TEST_CASE(timestamps_out_of_range_are_clamped) {
    BOOST_TEST(new_id("", 0) < new_id("", ksuid_epoch + 1));
    BOOST_TEST(is_id(new_id("", std::int64_t{1} << 40), ""));
}

BOOST_AUTO_TEST_CASE(is_id_accepts_and_rejects) {
    BOOST_TEST(is_id(new_id("user_"), "user_"));
    BOOST_TEST(is_id("user_0ujtsYcgvSTl8PAuAdqWYSMnLOv", "user_"));
    BOOST_TEST(is_id("0ujtsYcgvSTl8PAuAdqWYSMnLOv", ""));
    BOOST_TEST(!is_id("user_0ujtsYcgvSTl8PAuAdqWYSMnLOv", "app_"));
    BOOST_TEST(!is_id("0ujtsYcgvSTl8PAuAdqWYSMnLOv", "user_"));
    BOOST_TEST(!is_id("user_0ujtsYcgvSTl8PAuAdqWYSMnLO", "user_"));
    BOOST_TEST(!is_id("user_0ujtsYcgvSTl8PAuAdqWYSMnLOvv", "user_"));
    BOOST_TEST(!is_id("user_0ujtsYcgvSTl8PAuAdqWYSMnLO-", "user_"));
    BOOST_TEST(!is_id("user_0ujtsYcgvSTl8PAuAdqWYSMnLO ", "user_"));
    BOOST_TEST(!is_id("", "user_"));
    BOOST_TEST(!is_id("user_", "user_"));
}

BOOST_AUTO_TEST_SUITE_END()
