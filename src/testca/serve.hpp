// `ascep-testca serve`: the CAs (one, or one per --profile), their HTTP(S)
// listener, the URL file, the event log, and a clean stop on SIGTERM/SIGINT.
#pragma once

#include "testca/command_line.hpp"

namespace ascep::testca {

/// Runs the server until SIGTERM or SIGINT; the process exit code. Throws
/// usage_error for a command line that does not fit the state directory,
/// std::exception for what fails at start-up.
int serve(const command_line& c);

} // namespace ascep::testca
