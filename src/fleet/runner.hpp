// `ascep fleet`: every device of a manifest enrolled concurrently on one
// io_context, key generation on a worker pool, state in a crash-safe journal
// so that running the same command again resumes (PRODUCT.md §4).
#pragma once

#include "fleet/progress.hpp"
#include "fleet/settings.hpp"

#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ascep::fleet {

/// Why a run could not start (nothing was sent).
struct setup_failure {
    enum class kind {
        usage,     ///< bad URL, proxy, settings
        file,      ///< manifest problems, journal, output directory, -c file
        network,   ///< GetCACaps / GetCACert failed: see `error`
        untrusted, ///< the CA does not match --ca-fingerprint, or no usable CA certificate
    };
    kind what = kind::file;
    boost::system::error_code error;
    std::string text; ///< one line
};

/// The exit code of a run stopped by a local fault (a full, failing or
/// read-only output disk): EX_TEMPFAIL of sysexits.h, "try again later".
/// docs/cli.md lists it; cli/exit_codes.hpp has it in the table.
inline constexpr int local_fault_exit_code = 75;

struct fleet_outcome {
    /// Set when the run did not start; counts are then empty.
    std::optional<setup_failure> failure;
    /// SIGINT or SIGTERM stopped it.
    bool interrupted = false;
    /// A local fault stopped it: the one-line message printed (where, what,
    /// what to do), else empty.
    std::string local_fault;
    tally counts;
    /// 0 all issued, 2 some failed, 3 some still pending, 130 interrupted,
    /// local_fault_exit_code stopped by a local fault (meaningless when
    /// `failure` is set).
    int exit_code = 0;
};

/// Runs the fleet to the end, or until SIGINT/SIGTERM. Blocks. Prints
/// progress and messages to settings.messages, events to settings.events.
fleet_outcome run_fleet(const fleet_settings& settings);

} // namespace ascep::fleet
