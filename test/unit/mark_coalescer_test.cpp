#include <boost/test/unit_test.hpp>

#include "moonkey/delivery/mark_coalescer.hpp"

using namespace moonkey;
using namespace std::chrono_literals;

namespace {

mark_coalescer::options opts() {
    mark_coalescer::options o;
    o.interval = 20ms;
    o.max_ids = 5;
    return o;
}

std::vector<std::string> ids(std::initializer_list<char const*> names) {
    return {names.begin(), names.end()};
}

auto const t0 = mark_coalescer::clock::time_point{} + 1h;

}  // namespace

BOOST_AUTO_TEST_SUITE(mark_coalescer_steps)

BOOST_AUTO_TEST_CASE(nothing_waiting_writes_nothing_even_when_draining) {
    mark_coalescer m(opts());
    BOOST_TEST(!m.next(t0, false).write);
    BOOST_TEST(!m.next(t0, true).write);
    BOOST_TEST((m.next(t0, false).wake_at == mark_coalescer::clock::time_point::max()));
    m.add({}, t0);  // an empty batch is no batch
    BOOST_TEST(m.batches() == 0u);
    BOOST_TEST(!m.next(t0 + 1h, false).write);
}

BOOST_AUTO_TEST_CASE(batches_within_the_interval_share_one_statement) {
    mark_coalescer m(opts());
    m.add(ids({"a", "b"}), t0);
    auto d = m.next(t0 + 1ms, false);
    BOOST_TEST(!d.write);
    BOOST_TEST((d.wake_at == t0 + 20ms));  // the interval counts from the oldest mark
    m.add(ids({"c"}), t0 + 10ms);
    m.add(ids({"d"}), t0 + 19ms);
    BOOST_TEST((m.next(t0 + 19ms, false).wake_at == t0 + 20ms));
    BOOST_TEST(m.next(t0 + 20ms, false).write);
    BOOST_TEST(m.batches() == 3u);
    BOOST_TEST((m.take() == ids({"a", "b", "c", "d"})));
    BOOST_TEST(m.size() == 0u);
    BOOST_TEST(m.batches() == 0u);
    BOOST_TEST(!m.next(t0 + 20ms, false).write);
}

BOOST_AUTO_TEST_CASE(the_interval_restarts_with_the_first_mark_after_a_write) {
    mark_coalescer m(opts());
    m.add(ids({"a"}), t0);
    m.take();
    m.add(ids({"b"}), t0 + 30ms);
    BOOST_TEST(!m.next(t0 + 45ms, false).write);
    BOOST_TEST((m.next(t0 + 45ms, false).wake_at == t0 + 50ms));
    BOOST_TEST(m.next(t0 + 50ms, false).write);
}

BOOST_AUTO_TEST_CASE(max_ids_writes_at_once_without_splitting_a_batch) {
    mark_coalescer m(opts());
    m.add(ids({"a", "b", "c"}), t0);
    BOOST_TEST(!m.due_by_size());
    BOOST_TEST(!m.next(t0, false).write);
    m.add(ids({"d", "e", "f"}), t0 + 1ms);  // passes max_ids: the whole batch goes in the same statement
    BOOST_TEST(m.due_by_size());
    BOOST_TEST(m.next(t0 + 1ms, false).write);
    BOOST_TEST(m.take().size() == 6u);
}

BOOST_AUTO_TEST_CASE(a_batch_larger_than_max_ids_is_one_statement) {
    mark_coalescer m(opts());
    m.add(ids({"a", "b", "c", "d", "e", "f", "g"}), t0);
    BOOST_TEST(m.next(t0, false).write);
    BOOST_TEST(m.batches() == 1u);
    BOOST_TEST(m.take().size() == 7u);
}

BOOST_AUTO_TEST_CASE(draining_writes_what_waits_at_once) {
    mark_coalescer m(opts());
    m.add(ids({"a"}), t0);
    BOOST_TEST(!m.next(t0 + 1ms, false).write);
    BOOST_TEST(m.next(t0 + 1ms, true).write);
}

BOOST_AUTO_TEST_SUITE_END()
