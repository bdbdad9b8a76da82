#include "moonkey/delivery/mark_coalescer.hpp"

#include <iterator>
#include <utility>

namespace moonkey {

void mark_coalescer::add(std::vector<std::string> ids, clock::time_point now) {
    if (ids.empty()) return;
    if (ids_.empty()) {
        oldest_ = now;
        ids_ = std::move(ids);
    } else {
        ids_.insert(ids_.end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
    }
    ++batches_;
}

mark_coalescer::decision mark_coalescer::next(clock::time_point now, bool draining) const {
    if (ids_.empty()) return {false, clock::time_point::max()};
    auto due = oldest_ + opts_.interval;
    if (draining || ids_.size() >= opts_.max_ids || due <= now) return {true, now};
    return {false, due};
}

std::vector<std::string> mark_coalescer::take() {
    batches_ = 0;
    return std::exchange(ids_, {});
}

}  // namespace moonkey
