#include "moonkey/core/spawn_logged.hpp"

#include "moonkey/core/log.hpp"

#include <boost/asio/co_spawn.hpp>

namespace moonkey {

void spawn_logged(boost::asio::any_io_executor ex, boost::asio::awaitable<void> task, std::string what) {
    boost::asio::co_spawn(std::move(ex), std::move(task), [what = std::move(what)](std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (std::exception const& e) {
            log::error(what + " failed", {{"exception", e.what()}});
        }
    });
}

}  // namespace moonkey
