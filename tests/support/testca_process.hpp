// ascep-testca as a real process over a state directory that outlives it
// (restarts), listening on a free loopback port; tests read its URLs from
// the file --url-file writes once it listens, and stop it by PID.
#pragma once

#include "background_process.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ascep::test {

struct testca_process {
    std::string binary;
    std::filesystem::path state;
    std::filesystem::path log_dir;
    std::vector<std::string> options;
    std::optional<background_process> process;
    /// The first URL (the single CA's, or the first profile's).
    std::string url;
    /// With --profile: profile name -> URL.
    std::map<std::string, std::string> urls;
    std::uint16_t port = 0;
    int starts = 0;

    /// Starts `binary` with --dir DIR/state and `opts`. Throws std::runtime_error.
    testca_process(std::string binary, const temp_dir& dir, std::vector<std::string> opts);

    std::filesystem::path log() const;
    /// Starts the server on `listen` and waits for its --url-file.
    void start(const std::string& listen);
    /// The --url-file of the current start.
    std::filesystem::path url_file() const;
    /// kill -9, then start again on the same port with the same state.
    void crash_and_restart();
    /// Stops the server (SIGTERM) and starts it again on the same state with
    /// `opts` instead of the options it had, on a new free port.
    void restart_with(std::vector<std::string> opts);
    /// `ascep-testca COMMAND --dir STATE ARGS...` (approve, revoke, rollover, list).
    process_result command(std::vector<std::string> args) const;
    /// `ascep-testca --dir STATE --listen 127.0.0.1:0 OPTS...` in the
    /// foreground, for options that must stop the server before it serves (a
    /// bad value, a state directory that does not fit): its exit code and
    /// output. `timeout` ends a server that started after all (exit 124).
    process_result serve_expecting_exit(std::vector<std::string> opts, int limit_seconds = 120) const;
};

} // namespace ascep::test
