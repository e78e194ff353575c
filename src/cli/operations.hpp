// The operations of the command line. Each prints through the session's
// reporter and returns the process exit code.
#pragma once

#include "cli/options.hpp"

namespace ascep::cli {

class session;
class reporter;

int run_getcaps(session& s);
int run_getca(session& s);
int run_getnextca(session& s);
int run_enroll(session& s);
int run_getcert(session& s);
int run_getcrl(session& s);
/// renew: the new pair when -l is due (docs/renewal.md); exits as enroll,
/// and 0 at once, contacting nothing, when it is not due.
int run_renew(session& s);

/// fleet: runs its own io_context and CA client (src/fleet); exits 0, 2, 3
/// or 130 as fleet::run_fleet says, or with the setup failure's code.
int run_fleet(const options& opts, reporter& out);

/// Runs any parsed command line (network or not); the entry point of main().
int run_operation(const options& opts);

} // namespace ascep::cli
