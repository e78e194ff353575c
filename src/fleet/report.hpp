// --report FILE: the run's summary as JSON (counts, and per device its
// status, duration, messages, retries and failure reason), for scripts and
// for the operator's records. Written atomically at the end of a run.
#pragma once

#include "fleet/progress.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ascep::fleet {

struct report_entry {
    std::string id;
    std::string status; ///< issued, renewed, skipped (issued before, or not due), pending, failed
    std::string transaction_id;
    std::string detail; ///< serial number, or the reason
    unsigned messages = 0;
    unsigned retries = 0;
    std::int64_t duration_ms = 0;
    std::string old_serial{}; ///< renewed: the serial of the certificate replaced
    std::string not_after{};  ///< renewed: the new certificate's notAfter (RFC 3339)
};

/// Returns why it could not be written, or an empty string.
std::string write_report(const std::string& path, const tally& counts, const std::vector<report_entry>& devices,
                         std::int64_t duration_ms);

} // namespace ascep::fleet
