#include "child_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace moonkey::test {

child_process::child_process(std::vector<std::string> argv, std::filesystem::path log_file, std::vector<std::string> env)
    : log_(std::move(log_file)) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e) environment.emplace_back(*e);
    for (auto& e : env) environment.push_back(e);
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ == 0) {
        int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
        }
        ::setpgid(0, 0);
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
}

child_process::~child_process() {
    if (running()) stop(SIGKILL);
}

bool child_process::running() const {
    if (pid_ <= 0 || reaped_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return true;
}

int child_process::stop(int signal, std::chrono::seconds wait) {
    if (!running()) return status_;
    ::kill(pid_, signal);
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return status_;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return -1;
}

std::string child_process::wait_for_log(std::string const& needle, std::chrono::seconds wait) const {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(log_);
        std::string line;
        while (std::getline(in, line))
            if (line.find(needle) != std::string::npos) return line;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
}

std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

std::filesystem::path temp_dir(std::string const& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("moonkey-" + name + "-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace moonkey::test
