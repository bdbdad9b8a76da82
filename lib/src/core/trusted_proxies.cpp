#include "moonkey/core/trusted_proxies.hpp"

#include <charconv>
#include <optional>

namespace moonkey {
namespace ip = boost::asio::ip;

namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<ip::address> parse_address(std::string_view text) {
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return ip::address(ip::make_address_v4(ip::v4_mapped, address.to_v6()));
    return address;
}

// Returns the address's bytes, for prefix comparison.
std::vector<unsigned char> bytes_of(ip::address const& a) {
    if (a.is_v4()) {
        auto b = a.to_v4().to_bytes();
        return {b.begin(), b.end()};
    }
    auto b = a.to_v6().to_bytes();
    return {b.begin(), b.end()};
}

bool same_prefix(ip::address const& a, ip::address const& b, unsigned bits) {
    if (a.is_v4() != b.is_v4()) return false;
    auto x = bytes_of(a), y = bytes_of(b);
    for (unsigned i = 0; i < bits / 8; ++i)
        if (x[i] != y[i]) return false;
    unsigned rest = bits % 8;
    if (rest == 0) return true;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (x[bits / 8] & mask) == (y[bits / 8] & mask);
}

}  // namespace

outcome<trusted_proxies> trusted_proxies::parse(std::string_view list) {
    trusted_proxies proxies;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto entry = trimmed(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (entry.empty()) continue;
        auto slash = entry.find('/');
        auto address = parse_address(entry.substr(0, slash));
        if (!address)
            return fail(errc::invalid_request, "trusted_proxies: '" + std::string(entry) + "' is not an address or network");
        unsigned max_bits = address->is_v4() ? 32 : 128;
        unsigned bits = max_bits;
        if (slash != std::string_view::npos) {
            auto digits = entry.substr(slash + 1);
            auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
            if (ec != std::errc() || end != digits.data() + digits.size() || bits > max_bits)
                return fail(errc::invalid_request, "trusted_proxies: bad prefix length in '" + std::string(entry) + "'");
        }
        proxies.networks_.push_back(network{*address, bits});
    }
    return proxies;
}

bool trusted_proxies::contains(ip::address const& address) const {
    for (auto const& n : networks_)
        if (same_prefix(n.base, address, n.prefix_length)) return true;
    return false;
}

std::string trusted_proxies::client_address(std::string_view peer, std::string_view forwarded_for) const {
    // With no proxy to trust, an IPv4 peer is the answer as it stands: parsing and printing it again
    // would give the same text, or fail and give it back. (IPv6 text still takes that way, which turns
    // the IPv4-mapped ::ffff:a.b.c.d into a.b.c.d.)
    if (networks_.empty() && peer.find(':') == std::string_view::npos) return std::string(peer);
    auto believed = parse_address(peer);
    if (!believed) return std::string(peer);
    while (contains(*believed) && !forwarded_for.empty()) {
        auto comma = forwarded_for.rfind(',');
        auto hop = trimmed(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
        forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
        auto address = parse_address(hop);
        if (!address) break;
        believed = address;
    }
    return believed->to_string();
}

}  // namespace moonkey
