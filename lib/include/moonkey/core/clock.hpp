#pragma once
// Wall-clock time as Unix seconds, injectable so tests can move it.

#include <chrono>
#include <cstdint>
#include <functional>

namespace moonkey {

using unix_clock = std::function<std::int64_t()>;

// Returns the system clock.
inline unix_clock system_unix_clock() {
    return [] {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
}

}  // namespace moonkey
