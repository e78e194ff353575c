// A server the test starts itself (scepserver, tinyproxy, nginx, ascep-testca)
// and stops by PID when done: SIGTERM, then SIGKILL if it lingers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ascep::test {

class background_process {
public:
    /// Starts argv with stdout and stderr appended to `log`, in `cwd` if not
    /// empty. Throws std::system_error when it cannot be started.
    background_process(const std::vector<std::string>& argv, const std::filesystem::path& log,
                       const std::filesystem::path& cwd = {});
    ~background_process();
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;

    /// The child's PID, for /proc and messages. Signal it through signal(),
    /// kill() or the destructor only: once the child is reaped its PID may
    /// belong to another process, and they then do nothing.
    pid_t pid() const { return pid_; }
    /// Waits until 127.0.0.1:port accepts a TCP connection. Throws
    /// std::runtime_error (with the log's tail) if the process died or the
    /// port stayed closed for `limit`.
    void wait_for_port(std::uint16_t port, std::chrono::milliseconds limit = std::chrono::seconds(10)) const;
    /// Sends `signal` unless the process has been reaped already.
    void signal(int signal);
    /// Sends `signal` (SIGKILL by default), unless the process has been
    /// reaped already, and reaps it: wait_exit()'s value.
    int kill(int signal = 9);
    /// Waits for the process to end by itself and reaps it: its exit code,
    /// or 128 + the signal that ended it (the same value again once reaped,
    /// whoever reaped it: running(), kill()).
    int wait_exit();
    /// Whether the process still runs; a child found dead is reaped here and
    /// its exit code kept for wait_exit().
    bool running() const;
    /// The last 2000 characters of the log, for an error message.
    std::string log_tail() const;

private:
    pid_t pid_ = -1;
    /// Set when the child has been reaped: wait_exit()'s value. Its PID is
    /// never signalled after that.
    mutable std::optional<int> exit_code_;
    std::filesystem::path log_;

    /// Records `status` from waitpid.
    void reaped(int status) const;
};

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
std::uint16_t free_port();

/// A port P on 127.0.0.1 that was free a moment ago, with P + 1 free too:
/// for servers whose clients find a second channel at the next port (swtpm,
/// whose control channel the swtpm TCTI always reaches at P + 1).
std::uint16_t free_port_pair();

} // namespace ascep::test
