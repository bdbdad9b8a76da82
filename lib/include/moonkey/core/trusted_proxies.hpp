#pragma once
// The load balancers whose X-Forwarded-For the server believes (config `trusted_proxies`).

#include "moonkey/core/error.hpp"

#include <boost/asio/ip/address.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace moonkey {

class trusted_proxies {
public:
    // Returns the proxies of `list`: addresses or CIDR networks joined by commas
    // ("10.0.0.0/8, 127.0.0.1, ::1"; empty for none), or invalid_request naming the bad entry.
    static outcome<trusted_proxies> parse(std::string_view list);

    // Returns true when `address` is one of the proxies.
    bool contains(boost::asio::ip::address const& address) const;

    // Returns the client's address: the peer's own, or, when the peer is a trusted proxy, the
    // right-most address of X-Forwarded-For that is not a trusted proxy. Anything unparsable
    // stops the walk at the last address that could be believed.
    std::string client_address(std::string_view peer, std::string_view forwarded_for) const;

private:
    struct network {
        boost::asio::ip::address base;
        unsigned prefix_length;
    };
    std::vector<network> networks_;
};

}  // namespace moonkey
