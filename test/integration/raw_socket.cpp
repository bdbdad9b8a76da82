#include "raw_socket.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace moonkey::test {
namespace asio = boost::asio;

std::pair<std::string, bool> send_and_read(std::uint16_t port, std::string const& bytes) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    ::timeval timeout{10, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    asio::write(socket, asio::buffer(bytes));
    std::string answer;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(answer), ec);
    return {answer, ec == asio::error::eof || ec == asio::error::connection_reset};
}

std::string raw_exchange(std::uint16_t port, std::string const& bytes) { return send_and_read(port, bytes).first; }

bool server_closes_after(std::uint16_t port, std::string const& bytes) { return send_and_read(port, bytes).second; }

raw_connection::raw_connection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    BOOST_REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
}

raw_connection::~raw_connection() { ::close(fd_); }

bool raw_connection::send(std::string const& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool raw_connection::fill(std::chrono::milliseconds wait) {
    ::pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char chunk[16384];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    pending_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::string raw_connection::read_response(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    auto left = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    };
    auto head_end = pending_.find("\r\n\r\n");
    while (head_end == std::string::npos) {
        if (left().count() <= 0 || !fill(left())) return "";
        head_end = pending_.find("\r\n\r\n");
    }
    std::size_t body_size = 0;
    auto length_at = pending_.substr(0, head_end).find("Content-Length: ");
    if (length_at != std::string::npos) body_size = std::stoul(pending_.substr(length_at + 16));
    auto whole = head_end + 4 + body_size;
    while (pending_.size() < whole) {
        if (left().count() <= 0 || !fill(left())) return "";
    }
    auto response = pending_.substr(0, whole);
    pending_.erase(0, whole);
    return response;
}

bool raw_connection::closed_within(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        ::pollfd p{fd_, POLLIN, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
        char chunk[4096];
        auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return true;  // end of stream or reset
    }
    return false;
}

std::size_t count_of(std::string const& text, std::string const& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
    return count;
}

}  // namespace moonkey::test
