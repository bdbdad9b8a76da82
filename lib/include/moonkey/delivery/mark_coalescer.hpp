#pragma once
// Which sent messages to mark in the outbox, and when: a core's batches (both channels) hand their
// sent ids here, and they are written together in one statement once `max_ids` are waiting or the
// oldest has waited `interval`. Every statement holds at least one whole batch, so there is never
// more than one statement per batch. No I/O: time is passed in, so each step is testable.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace moonkey {

class mark_coalescer {
public:
    using clock = std::chrono::steady_clock;

    struct options {
        std::chrono::milliseconds interval{20};
        std::size_t max_ids = 500;
    };

    explicit mark_coalescer(options opts) : opts_(opts) {}

    // Adds one batch's sent ids, handed over at `now` (an empty batch is ignored).
    void add(std::vector<std::string> ids, clock::time_point now);

    struct decision {
        bool write = false;
        clock::time_point wake_at;  // when not writing: when to look again (unless woken earlier)
    };

    // Write when max_ids are waiting or the oldest has waited `interval`; when `draining`, as soon as
    // anything waits. With nothing waiting: no write, wake_at is time_point::max().
    decision next(clock::time_point now, bool draining) const;

    // Returns every waiting id (the next statement's) and forgets them.
    std::vector<std::string> take();

    // True when max_ids are waiting: the writer should look at once rather than at its timer.
    bool due_by_size() const { return ids_.size() >= opts_.max_ids; }

    std::size_t size() const { return ids_.size(); }
    std::size_t batches() const { return batches_; }

private:
    options opts_;
    std::vector<std::string> ids_;
    std::size_t batches_ = 0;
    clock::time_point oldest_{};
};

}  // namespace moonkey
