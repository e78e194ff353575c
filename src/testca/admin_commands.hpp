// The commands that change a state directory beside a running (or stopped)
// server: approve, reject, revoke, rollover, list. With --profile they act
// on STATE/NAME, the state of that profile.
#pragma once

#include "testca/command_line.hpp"

namespace ascep::testca {

/// Runs c.command (not "serve"); the process exit code. Throws usage_error.
int run_admin_command(const command_line& c);

} // namespace ascep::testca
