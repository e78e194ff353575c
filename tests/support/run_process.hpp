// Runs an external program (openssl, scepserver, the ascep binary) and
// collects what it printed and how it ended. Arguments go straight to exec,
// never through a shell, so paths and options need no quoting.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace ascep::test {

struct process_result {
    /// The exit status; 128 + signal number when the program was killed by a signal.
    int exit_code = -1;
    std::string output; // stdout
    std::string errors; // stderr

    bool succeeded() const { return exit_code == 0; }
};

/// Starts argv[0] (a path, or a name looked up in PATH) with stdin from
/// /dev/null, waits for it and returns its status and output. Throws
/// std::system_error when the program cannot be started at all, so that a
/// missing program is a test failure, not a silently nonzero exit code.
process_result run_process(const std::vector<std::string>& argv);

/// The same, and calls `on_line` with each line of stdout (without its
/// newline) as soon as it arrives through the pipe, while the program runs.
process_result run_process(const std::vector<std::string>& argv,
                           const std::function<void(const std::string&)>& on_line);

/// The same, and calls `on_started` with the child's pid before reading,
/// so that `on_line` can signal it when it sees a given line (kill -9
/// after the tenth "issued" event, not after a sleep).
process_result run_process(const std::vector<std::string>& argv,
                           const std::function<void(const std::string&)>& on_line,
                           const std::function<void(pid_t)>& on_started);

} // namespace ascep::test
