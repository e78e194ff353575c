// The crash-safe run journal: DIR/journal.jsonl, one JSON object a line,
// appended and fdatasync'ed per record, so re-running a fleet after Ctrl-C,
// kill -9 or a power cut knows each device's last state: issued devices are
// skipped, pending ones resume with the same transaction.
//
// DIR/.lock, flock'ed for the journal's lifetime, keeps two runs off one DIR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>

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
    friend bool operator==(const journal_record&, const journal_record&) = default;
};

/// Longest journal line accepted when reading, newline included.
inline constexpr std::size_t max_journal_line = 64 * 1024;
/// `detail` is cut to this many bytes when written: a server's error page
/// must not make a line too long to read back.
inline constexpr std::size_t max_journal_detail = 8 * 1024;

/// One line as written: a JSON object with keys id, state, transaction_id,
/// detail, attempts, time_ms (and old_serial when set), and a final '\n'. Bytes that are not UTF-8 are
/// written as U+FFFD so the file stays valid JSON; `detail` is cut to
/// max_journal_detail bytes. Pure; never fails.
std::string format_journal_line(const journal_record& r);

/// Decodes one line (a final '\n' is allowed). Unknown keys are ignored, for
/// journals written by later versions; a missing or empty id, an unknown
/// state, a known key of the wrong type, a negative or too large number, or a
/// line over max_journal_line is nullopt with `error` saying which. Pure.
std::optional<journal_record> parse_journal_line(std::string_view line, std::string& error);

class journal {
public:
    /// Creates DIR if needed (0700), locks DIR/.lock, reads DIR/journal.jsonl.
    /// A torn last line (no trailing newline, from a crash mid-write) is
    /// dropped and the file truncated to the last complete line; any other
    /// undecodable line is an error naming its line number (the caller
    /// refuses to run on a corrupt journal rather than guess). When another
    /// journal holds DIR (this process or another) the error is "another
    /// ascep fleet run is using DIR (pid N)". nullopt + `error` on failure.
    static std::optional<journal> open(const std::string& dir, std::string& error);

    /// The last record of each device id seen in the existing journal (at
    /// open); appends do not change it. Valid as long as the journal.
    const std::unordered_map<std::string, journal_record>& replayed() const { return replayed_; }

    /// Appends one record and fdatasyncs: once it returns nullopt the record
    /// survives kill -9 and power loss. Thread-safe. On failure (ENOSPC,
    /// EIO...) returns why; a partly written line is cut off again so the
    /// file stays readable. After a failed fdatasync the kernel may have
    /// dropped the data, so every later append fails with that first error.
    std::optional<std::string> append(const journal_record& r);
    /// Appends `records` in order with one write and ONE fdatasync (group
    /// commit: what piled up while the last sync ran costs one more sync, not
    /// one each). A record too long to read back is left out and reported;
    /// the others are written. Returns the first error; `code`, when given,
    /// gets the errno of a failed write or sync (a full disk stops a fleet
    /// run), and stays clear for a record refused for its length.
    std::optional<std::string> append(std::span<const journal_record> records, std::error_code* code = nullptr);

    journal(journal&&) noexcept;
    journal& operator=(journal&&) noexcept;
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;
    /// Closes the journal and releases the lock (.lock itself stays).
    ~journal();

private:
    journal() = default;
    void close_all() noexcept;
    /// Writes complete lines and fdatasyncs; the caller holds mutex_.
    std::optional<std::string> write_and_sync(const std::string& lines, std::error_code* code);

    int fd_ = -1;
    int lock_fd_ = -1;
    std::string path_;
    std::unordered_map<std::string, journal_record> replayed_;
    // Behind a pointer so the journal can move; guards size_ and broken_.
    std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
    std::uint64_t size_ = 0; ///< bytes of complete lines: where a failed append is cut back to
    std::string broken_;     ///< the fdatasync error that made the file untrustworthy
    std::error_code broken_code_;
};

} // namespace ascep::fleet
