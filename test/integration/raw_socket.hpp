#pragma once
// Raw TCP for malformed or unusual HTTP traffic that a well-behaved client would never send.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace moonkey::test {

// Sends raw bytes and reads until the server closes or 10 s pass; returns what arrived and whether
// the server closed the connection (end of stream) rather than our receive timeout ending the wait.
std::pair<std::string, bool> send_and_read(std::uint16_t port, std::string const& bytes);

// Returns what the server answered to `bytes` (see send_and_read).
std::string raw_exchange(std::uint16_t port, std::string const& bytes);

// Returns true when the server closed the connection after `bytes` (see send_and_read).
bool server_closes_after(std::uint16_t port, std::string const& bytes);

// A connection held open by the test, written and read piece by piece; closed on destruction.
class raw_connection {
public:
    explicit raw_connection(std::uint16_t port);
    ~raw_connection();
    raw_connection(raw_connection const&) = delete;
    raw_connection& operator=(raw_connection const&) = delete;

    // Writes all of `bytes`; returns false when the server has closed or reset the connection.
    bool send(std::string const& bytes);

    // Returns the next whole response (head and Content-Length body), or "" when the connection
    // ended or `wait` passed first.
    std::string read_response(std::chrono::milliseconds wait = std::chrono::seconds(10));

    // Returns true when the server closes the connection within `wait` (bytes arriving meanwhile
    // are dropped).
    bool closed_within(std::chrono::milliseconds wait);

    int fd() const { return fd_; }

private:
    // Reads what is available into pending_, waiting at most `wait`; false at end of stream or timeout.
    bool fill(std::chrono::milliseconds wait);

    int fd_ = -1;
    std::string pending_;
};

// Returns how many times `needle` occurs in `text`.
std::size_t count_of(std::string const& text, std::string const& needle);

}  // namespace moonkey::test
