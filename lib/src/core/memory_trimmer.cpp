#include "moonkey/core/memory_trimmer.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace moonkey {

memory_trimmer::memory_trimmer(std::chrono::milliseconds interval) : interval_(interval) {
#if defined(__GLIBC__)
    if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
#endif
}

memory_trimmer::~memory_trimmer() {
    stop();
}

void memory_trimmer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::uint64_t memory_trimmer::trims() const {
    std::lock_guard lock(mutex_);
    return trims_;
}

void memory_trimmer::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
#if defined(__GLIBC__)
        malloc_trim(0);
#endif
        lock.lock();
        ++trims_;
    }
}

}  // namespace moonkey
