// One line of the fleet journal, decoded: a device's state change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ascep::fleet {

enum class device_state { requested, pending, issued, failed };

/// "requested", "pending", "issued", "failed": the names in the journal.
std::string_view name(device_state s);

struct journal_record {
    std::string id;
    device_state state = device_state::requested;
    std::string transaction_id; ///< SCEP transactionID (hex), may be empty
    std::string detail;         ///< failure reason, or serial number when issued
    unsigned attempts = 0;      ///< messages sent so far for this device
    std::int64_t time_ms = 0;   ///< unix time in milliseconds
    friend bool operator==(const journal_record&, const journal_record&) = default;
};

} // namespace ascep::fleet
