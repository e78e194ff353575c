#include "background_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace ascep::test {
namespace {

std::string tail_of(const std::filesystem::path& log)
{
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

/// Whether `op` (connect or bind) succeeds on a fresh TCP socket for
/// 127.0.0.1:port; the socket is closed again.
template <typename Op>
bool try_loopback(std::uint16_t port, Op op)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = op(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

bool port_open(std::uint16_t port)
{
    return try_loopback(port, ::connect);
}

} // namespace

background_process::background_process(const std::vector<std::string>& argv, const std::filesystem::path& log,
                                       const std::filesystem::path& cwd)
    : log_(log)
{
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) {
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int in = ::open("/dev/null", O_RDONLY);
        if (out >= 0) {
            ::dup2(out, 1);
            ::dup2(out, 2);
        }
        if (in >= 0)
            ::dup2(in, 0);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
            ::_exit(126);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
}

background_process::~background_process()
{
    if (pid_ <= 0 || exit_code_)
        return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
        if (!running())
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(SIGKILL);
}

void background_process::reaped(int status) const
{
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void background_process::signal(int signal)
{
    if (pid_ > 0 && !exit_code_)
        ::kill(pid_, signal);
}

int background_process::kill(int signal)
{
    this->signal(signal);
    return wait_exit();
}

int background_process::wait_exit()
{
    if (exit_code_)
        return *exit_code_;
    if (pid_ <= 0)
        return -1;
    int status = 0;
    pid_t r;
    while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    if (r != pid_) {
        exit_code_ = -1; // not our child any more (ECHILD): never signal that PID
        return -1;
    }
    reaped(status);
    return *exit_code_;
}

bool background_process::running() const
{
    if (pid_ <= 0 || exit_code_)
        return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        reaped(status);
        return false;
    }
    if (r < 0 && errno == ECHILD)
        exit_code_ = -1; // reaped elsewhere: never signal that PID
    return r == 0;
}

std::string background_process::log_tail() const
{
    return tail_of(log_);
}

void background_process::wait_for_port(std::uint16_t port, std::chrono::milliseconds limit) const
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running())
            throw std::runtime_error("server exited before listening; log:\n" + tail_of(log_));
        if (port_open(port))
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("server did not listen on port " + std::to_string(port) + "; log:\n" + tail_of(log_));
}

std::uint16_t free_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::system_error(errno, std::generic_category(), "bind");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::uint16_t free_port_pair()
{
    for (int i = 0; i < 100; ++i) {
        const auto port = free_port();
        if (port < 65535 && try_loopback(static_cast<std::uint16_t>(port + 1), ::bind))
            return port;
    }
    throw std::runtime_error("no two adjacent free TCP ports on 127.0.0.1");
}

} // namespace ascep::test
