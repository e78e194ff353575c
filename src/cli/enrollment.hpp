// What `enroll` and `renew` share: one ascep::enroll_request filled from the
// command line's CA options, planned, run with sscep's progress lines, and
// its result reported the same way (exit codes, --json fields). The two
// differ only in where the key and request come from and where the issued
// certificate goes.
#pragma once

#include "ascep/enroll.hpp"
#include "cli/failure.hpp"

#include <chrono>
#include <functional>
#include <optional>

namespace ascep::cli {

class session;

/// Fills the CA side of `req` from the options: -c (and its -0, -1, ...
/// files), -e, GetCACaps when `ask_caps` (the one network exchange before
/// the request), -E, -S, --method, -t, -T, -n. Errors: a file (93), or
/// GetCACaps failing (its network, HTTP or timeout code).
file_result<void> fill_ca_settings(session& s, ascep::enroll_request& req, bool ask_caps);

/// ascep::prepare_enrollment with the command line's messages: the
/// algorithm warnings, -v's choice line and transaction id (also in
/// --json). Errors: 91 when the self-signed certificate cannot be made, 93
/// otherwise.
file_result<ascep::enroll_plan> plan_enrollment(session& s, const ascep::enroll_request& req);

/// "RenewalReq" or "PKCSReq", as the progress lines name the request.
const char* request_name(const ascep::enroll_plan& plan);

/// Runs the plan on the session, printing sscep's lines as it goes
/// ("sending certificate request (PKCSReq)", "pkistatus: PENDING", ...).
ascep::enroll_result run_enrollment(session& s, const ascep::enroll_plan& plan);
/// The same, calling `tick` every `every` while it runs (renew
/// --metrics-file rewrites its file while the CA keeps it PENDING).
ascep::enroll_result run_enrollment(session& s, const ascep::enroll_plan& plan, const std::function<void()>& tick,
                                    std::chrono::milliseconds every);

/// For any result but `issued`: prints it, ends the run (s.out.finish) and
/// returns the exit code (2, 3, 70-74, or the error's). For `issued`: prints
/// "pkistatus: SUCCESS" and returns nullopt; the caller writes the
/// certificate and finishes.
std::optional<int> finish_unless_issued(session& s, const ascep::enroll_result& r);

} // namespace ascep::cli
