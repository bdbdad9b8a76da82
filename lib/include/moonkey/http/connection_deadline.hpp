#pragma once
// A connection's read and write deadline, checked lazily. beast::tcp_stream starts and cancels a timer
// wait around every read and every write, which on a kept-alive connection is several timer-queue
// updates per request. Here one timer per connection stays armed: moving the deadline later only
// stores the new time, and the timer, when it fires early, re-arms for it; only a deadline earlier
// than the armed expiry (idle -> read) re-arms at once. A passed deadline closes the socket, which
// ends any pending operation with operation_aborted, as tcp_stream's timeout does.
//
// Used by one connection's coroutine on its core's thread only (no locking).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace moonkey::http {

class connection_deadline {
public:
    using clock = std::chrono::steady_clock;

    // Watches `socket`, which must outlive this object; no deadline until expires_after().
    explicit connection_deadline(boost::asio::ip::tcp::socket& socket)
        : state_(std::make_shared<state>(socket)) {}
    connection_deadline(connection_deadline const&) = delete;
    connection_deadline& operator=(connection_deadline const&) = delete;
    ~connection_deadline() { stop(); }

    // Closes the socket at `at` unless the deadline is moved or removed before; nothing once stopped.
    void expires_at(clock::time_point at) {
        auto& s = *state_;
        if (s.socket == nullptr) return;
        s.deadline = at;
        if (at < s.armed_at) arm(state_, at);
    }

    // Closes the socket `d` from now unless the deadline is moved or removed before.
    void expires_after(clock::duration d) { expires_at(clock::now() + d); }

    // Removes the deadline (while a request is being handled, no read or write is pending).
    void disarm() { state_->deadline = clock::time_point::max(); }

    // Removes the deadline for good and releases the timer; the socket is no longer touched.
    void stop() {
        auto& s = *state_;
        if (s.socket == nullptr) return;
        s.socket = nullptr;
        s.deadline = clock::time_point::max();
        s.timer.cancel();
    }

private:
    struct state {
        explicit state(boost::asio::ip::tcp::socket& sock) : socket(&sock), timer(sock.get_executor()) {}
        boost::asio::ip::tcp::socket* socket;  // null once stopped
        boost::asio::steady_timer timer;
        clock::time_point deadline = clock::time_point::max();
        clock::time_point armed_at = clock::time_point::max();  // expiry of the pending wait, max if none
        std::uint64_t generation = 0;  // of the pending wait: an older wait's completion is stale
    };

    // The handler shares the state: it may complete after the connection (and this object) ended.
    static void arm(std::shared_ptr<state> const& sp, clock::time_point at) {
        auto& s = *sp;
        s.armed_at = at;
        auto const generation = ++s.generation;
        s.timer.expires_at(at);  // completes an earlier pending wait with operation_aborted
        s.timer.async_wait([sp, generation](boost::system::error_code ec) { fired(sp, generation, ec); });
    }

    static void fired(std::shared_ptr<state> const& sp, std::uint64_t generation, boost::system::error_code ec) {
        auto& s = *sp;
        if (s.socket == nullptr || generation != s.generation) return;  // stopped, or re-armed since
        s.armed_at = clock::time_point::max();
        if (ec) return;
        if (s.deadline == clock::time_point::max()) return;  // disarmed: the next expires_after arms
        if (s.deadline > clock::now()) {
            arm(sp, s.deadline);  // the deadline moved later since this wait began
            return;
        }
        boost::system::error_code ignored;
        s.socket->close(ignored);
    }

    std::shared_ptr<state> state_;
};

}  // namespace moonkey::http
