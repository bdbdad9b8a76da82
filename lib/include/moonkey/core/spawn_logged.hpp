#pragma once
// Background coroutines of a core (sweeps, purges) whose failure must be seen, not lost.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <string>

namespace moonkey {

// Starts `task` on `ex`; an exception that escapes it is logged as "`what` failed".
void spawn_logged(boost::asio::any_io_executor ex, boost::asio::awaitable<void> task, std::string what);

}  // namespace moonkey
