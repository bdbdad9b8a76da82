#include "moonkey/core/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

namespace moonkey {

systemd_notifier::systemd_notifier() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) interval_ = std::chrono::microseconds(usec);
}

void systemd_notifier::ready() const { sd_notify(0, "READY=1\nSTATUS=serving"); }

void systemd_notifier::stopping() const { sd_notify(0, "STOPPING=1\nSTATUS=draining"); }

void systemd_notifier::watchdog() const { sd_notify(0, "WATCHDOG=1"); }

}  // namespace moonkey
