#pragma once
// Gives the process's freed heap memory back to the system at an interval (glibc malloc_trim).
//
// glibc keeps memory that was freed for reuse, and returns it only from the top of each arena; a
// free region below a live allocation stays resident. Under a load whose live set swings (requests
// in flight, queues that fill and drain), each new high-water mark therefore stays in the RSS for
// good even though the heap in use is flat: the overload run showed the loops' arenas growing by
// MBs a minute with their bytes in use unchanged. malloc_trim(0) releases the free pages inside
// every arena (madvise), so the RSS follows the memory actually in use. It takes each arena's lock
// for a moment, so it runs on a thread of its own, never on a core's loop.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace moonkey {

class memory_trimmer {
public:
    // Starts trimming every `interval`; an interval of 0 starts nothing (and on a C library other
    // than glibc nothing runs either).
    explicit memory_trimmer(std::chrono::milliseconds interval);
    ~memory_trimmer();
    memory_trimmer(memory_trimmer const&) = delete;
    memory_trimmer& operator=(memory_trimmer const&) = delete;

    // Stops the thread; returns once it has ended. Safe to call twice.
    void stop();

    // Trims done since start.
    std::uint64_t trims() const;

private:
    void run();

    std::chrono::milliseconds interval_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::uint64_t trims_ = 0;
    std::thread thread_;
};

}  // namespace moonkey
