// `ascep fleet status --out DIR`: where a fleet stands, from its journal
// and certificate files alone (issue 22). Contacts nothing and writes
// nothing, so it may run while a fleet run appends to the same journal.
//
// notAfter comes from the journal: a run records it with every `issued` and
// `renewed` line. Journals of versions before issue 22 lack it; for those
// devices cert.pem is read (Botan parses it: about 50 µs a file, so a
// million of them would take a minute), and the next fleet run adds the
// field to the journal, one line per device, once.
#pragma once

#include "fleet/shard.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ascep::fleet {

struct status_request {
    std::string out_dir;
    std::string manifest; ///< optional: count the devices the journal has never seen
    std::chrono::seconds within{30 * 86400};
    std::int64_t now = 0; ///< unix seconds
    /// Longest list of due devices, pending devices, failed ids per reason.
    std::size_t list_limit = 10;
};

/// One bar of the expiry histogram: certificates whose notAfter is in
/// [start, end) (unix seconds).
struct expiry_bucket {
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::string label; ///< "2026-12-05" (week from that day) or "2027-01" (month)
    std::uint64_t count = 0;
    bool due = false; ///< starts before now + within: renewal runs take these
};

struct due_device {
    std::string id;
    std::int64_t not_after = 0;
};

struct pending_device {
    std::string id;
    std::int64_t since = 0; ///< unix seconds
    bool renewal = false;
};

struct failure_group {
    std::string reason; ///< "failInfo badRequest", or the error text without its device-specific tail
    std::uint64_t count = 0;
    std::vector<std::string> ids; ///< the first list_limit of them
};

struct fleet_status {
    std::int64_t now = 0;
    std::int64_t within = 0; ///< seconds
    std::uint64_t journal_lines = 0;
    std::string shard; ///< "K/N" when DIR/.shard records one, else empty

    // Devices by their journal state.
    std::uint64_t devices = 0; ///< in the journal
    std::uint64_t issued = 0;
    std::uint64_t renewed = 0;
    std::uint64_t pending = 0;         ///< enrollment PENDING at the CA
    std::uint64_t renewal_pending = 0; ///< renewal PENDING (the old certificate still serves)
    std::uint64_t in_progress = 0;     ///< requested or renewing: a request sent, no answer recorded
    std::uint64_t failed = 0;
    std::optional<std::uint64_t> not_started; ///< with a manifest: its devices (of the shard) not in the journal
    std::optional<std::uint64_t> manifest_devices;

    // Certificates held (issued, renewed, and older ones of devices being renewed or failed).
    std::uint64_t certificates = 0;
    std::uint64_t not_after_from_files = 0; ///< journal without notAfter: cert.pem read
    std::uint64_t unreadable = 0;           ///< ... and it could not be read
    std::optional<std::int64_t> soonest;    ///< notAfter
    std::optional<std::int64_t> latest;
    std::uint64_t expired = 0;
    std::uint64_t within_7d = 0, within_30d = 0, within_90d = 0; ///< notAfter before now + N days, expired included
    std::uint64_t due_total = 0;                                  ///< notAfter before now + within

    std::string bucket_unit; ///< "week" or "month"; empty when no certificate
    std::vector<expiry_bucket> histogram;
    std::vector<due_device> due;          ///< soonest first, at most list_limit
    std::vector<pending_device> pending_longest; ///< longest first, at most list_limit
    std::vector<failure_group> failures;  ///< most frequent first
    std::optional<std::int64_t> pending_oldest_since;
    std::optional<std::int64_t> last_success; ///< DIR/.last_success
};

/// Reads DIR (journal, DIR/.shard, DIR/.last_success, cert.pem where the
/// journal lacks notAfter) and the manifest. nullopt + `error` when DIR
/// has no readable journal or the manifest cannot be read.
std::optional<fleet_status> read_fleet_status(const status_request& req, std::string& error);

/// The failure group of a journal `detail`: "failInfo X" when the CA said
/// so, else the text up to its first " (" (which holds counts and paths).
std::string failure_reason(std::string_view detail);

/// The histogram's bars for sorted notAfter values (unix seconds): expired
/// certificates in one bar before `now`, then one bar per week when the
/// last notAfter is at most 16 weeks away, else per calendar month (UTC),
/// at most `max_bars` (the last one then holds everything later).
std::vector<expiry_bucket> expiry_histogram(const std::vector<std::int64_t>& sorted_not_after, std::int64_t now,
                                            std::int64_t within, std::string& unit, std::size_t max_bars = 36);

/// The text `fleet status` prints; `colour` adds ANSI colours (a terminal).
std::string format_status_text(const fleet_status& s, bool colour);
/// The same figures as a JSON object (`fleet status --json`, docs/fleet.md).
boost::json::object status_json(const fleet_status& s);

} // namespace ascep::fleet
