#pragma once
// What the caller says about the device that asked for a code (SPEC §4).

#include <string>

namespace moonkey {

struct device_fingerprint {
    std::string ip;
    std::string user_agent;
};

}  // namespace moonkey
