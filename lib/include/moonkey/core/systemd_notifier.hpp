#pragma once
// The sd_notify protocol (READY=1, WATCHDOG=1, STOPPING=1): a no-op when NOTIFY_SOCKET is unset.

#include <chrono>
#include <optional>

namespace moonkey {

class systemd_notifier {
public:
    // Reads NOTIFY_SOCKET and the watchdog interval (WATCHDOG_USEC) from the environment.
    systemd_notifier();

    void ready() const;
    void stopping() const;
    void watchdog() const;

    // Returns the interval within which WATCHDOG=1 must arrive, when the service manager asks for one.
    std::optional<std::chrono::microseconds> watchdog_interval() const { return interval_; }

private:
    std::optional<std::chrono::microseconds> interval_;
};

}  // namespace moonkey
