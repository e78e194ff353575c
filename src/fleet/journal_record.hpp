// One line of the fleet journal, decoded: a device's state change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ascep::fleet {

/// A device's last state. The renewal states (fleet --renew-within) extend
/// the enrollment ones: `renewing` is written once key.new.pem is on disk
/// (transaction_id: the new key's), `renewal_pending` when the CA answered
/// PENDING to it, `renewed` once the new pair is in place (detail: the new
/// serial, old_serial: the one it replaced).
enum class device_state { requested, pending, issued, failed, renewing, renewal_pending, renewed };

/// "requested", "pending", "issued", "failed", "renewing", "renewal_pending",
/// "renewed": the names in the journal.
std::string_view name(device_state s);

struct journal_record {
    std::string id;
    device_state state = device_state::requested;
    std::string transaction_id; ///< SCEP transactionID (hex), may be empty
    std::string detail;         ///< failure reason, or serial number when issued
    unsigned attempts = 0;      ///< messages sent so far for this device
    std::int64_t time_ms = 0;   ///< unix time in milliseconds
    std::string old_serial{};   ///< `renewed`: the serial of the certificate replaced; else empty
    /// `issued`, `renewed`: the certificate's notAfter, unix seconds, so that
    /// `fleet status` and the metrics need not parse a million cert.pem
    /// files; 0: not known (journals of versions before issue 22).
    std::int64_t not_after = 0;
    /// `pending`, `renewal_pending`: since when the device has been PENDING
    /// (unix seconds), kept across the re-runs that poll it; 0: not known
    /// (the record's own time is the best guess then).
    std::int64_t pending_since = 0;
    friend bool operator==(const journal_record&, const journal_record&) = default;
};

} // namespace ascep::fleet
