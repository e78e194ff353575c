// The challenge password, from wherever the user keeps it. A value on the
// command line is readable by every local user (`ps`, /proc/PID/cmdline)
// for as long as the process runs, so there are two ways that are not argv:
//
//   --challenge-file FILE   the file's content, one trailing newline removed
//   ASCEP_CHALLENGE         the environment variable (empty counts as unset)
//
// Precedence: an option beats the environment, as -p beats HTTP_PROXY.
// --challenge-file and an argv value (--challenge, or mkrequest's positional
// [challenge]) are both explicit and contradict each other: a usage error.
// ASCEP_CHALLENGE is used when neither is given. In fleet mode a manifest
// row's `challenge` column still wins for that device.
#pragma once

#include "cli/failure.hpp"
#include "cli/options.hpp"
#include "cli/reporter.hpp"

#include <string>

namespace ascep::cli {

/// The name of the environment variable.
inline constexpr const char* challenge_environment_variable = "ASCEP_CHALLENGE";

/// Longest challenge file read: PKCS#9 bounds a challengePassword at 255
/// characters; anything much longer is the wrong file.
inline constexpr std::size_t max_challenge_file_size = 4096;

/// The challenge for `opts` by the rules above; empty when none is given.
/// Warns on `out` when the value came from argv in an operation that runs
/// for a while (all but mkrequest, whose positional [challenge] is sscep's
/// interface and whose run is over in a moment), saying why and what to use.
/// Errors: both --challenge-file and an argv value (usage, exit 1); a file
/// that is missing, unreadable, not a regular file, empty, too long, or
/// holds a NUL byte or more than one line (exit 93), naming the file but
/// never its content.
/// Every operation that puts a challenge in a request calls this once.
file_result<std::string> resolve_challenge(const options& opts, reporter& out);

} // namespace ascep::cli
