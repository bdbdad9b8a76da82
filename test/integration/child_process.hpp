#pragma once
// Real processes for tests: moonkeyd instances and the local protocol peers in test/tools/.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace moonkey::test {

class child_process {
public:
    // Starts `argv` with stdout and stderr appended to `log_file`; `env` entries ("KEY=value") are
    // added to the environment.
    child_process(std::vector<std::string> argv, std::filesystem::path log_file, std::vector<std::string> env = {});
    ~child_process();
    child_process(child_process const&) = delete;
    child_process& operator=(child_process const&) = delete;

    // Sends `signal` and waits (bounded) for the process to end; returns its exit status or -1.
    int stop(int signal, std::chrono::seconds wait = std::chrono::seconds(20));

    // Returns the first line of the log that contains `needle`, waiting at most `wait`; "" if none.
    std::string wait_for_log(std::string const& needle, std::chrono::seconds wait = std::chrono::seconds(20)) const;

    bool running() const;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::filesystem::path log_;
    mutable int status_ = -1;
    mutable bool reaped_ = false;
};

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port();

// Returns a new empty directory under /tmp.
std::filesystem::path temp_dir(std::string const& name);

}  // namespace moonkey::test
