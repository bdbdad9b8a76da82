#include <boost/test/unit_test.hpp>

#include "moonkey/core/memory_trimmer.hpp"

#include <thread>

using namespace moonkey;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(memory_trimmer_thread)

BOOST_AUTO_TEST_CASE(it_trims_at_its_interval) {
    memory_trimmer trimmer(5ms);
    auto const deadline = std::chrono::steady_clock::now() + 5s;
    while (trimmer.trims() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
#if defined(__GLIBC__)
    BOOST_TEST(trimmer.trims() >= 2u);
#endif
}

BOOST_AUTO_TEST_CASE(stop_does_not_wait_out_the_interval) {
    memory_trimmer trimmer(std::chrono::hours(1));
    auto const stopping = std::chrono::steady_clock::now();
    trimmer.stop();
    BOOST_TEST((std::chrono::steady_clock::now() - stopping < 1s));
    BOOST_TEST(trimmer.trims() == 0u);
    trimmer.stop();  // twice is fine
}

BOOST_AUTO_TEST_CASE(an_interval_of_zero_runs_nothing) {
    memory_trimmer trimmer(0ms);
    std::this_thread::sleep_for(20ms);
    BOOST_TEST(trimmer.trims() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
