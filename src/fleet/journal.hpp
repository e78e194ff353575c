// The crash-safe run journal: DIR/journal.jsonl, one JSON object a line,
// appended and fdatasync'ed per record, so re-running a fleet after Ctrl-C,
// kill -9 or a power cut knows each device's last state: issued devices are
// skipped, pending ones resume with the same transaction.
//
// DIR/.lock, flock'ed for the journal's lifetime, keeps two runs off one DIR.
#pragma once

#include "fleet/journal_record.hpp"
#include "fleet/journal_replay.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace ascep::fleet {

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

    /// Reads DIR/journal.jsonl without taking DIR/.lock and without writing
    /// anything (`fleet status`, while a run may be appending): complete
    /// lines only, a torn last line is left out. False + `error` when the
    /// file cannot be read or a complete line does not decode; `lines` gets
    /// the number of lines read.
    static bool read_only(const std::string& dir, journal_replay& out, std::uint64_t& lines, std::string& error);

    /// A run compacts its journal at the start when it holds more than this
    /// many times as many records as devices (issue 15).
    static constexpr std::uint64_t compaction_ratio = 2;

    /// The last record of each device id seen in the existing journal (at
    /// open), packed (journal_replay: `detail` only for failed devices);
    /// appends do not change it. Valid as long as the journal.
    const journal_replay& replayed() const { return replayed_; }
    /// Complete records (lines) in the file: those read at open, those
    /// appended since, or after compact() one per device.
    std::uint64_t records() const { return records_; }

    /// Rewrites the file to the last line of each device, byte for byte
    /// (fields and states this version does not know survive), in their
    /// order, so that replaying it gives exactly what replayed() holds:
    /// written to journal.jsonl.compacting, fsync'ed, replayed and compared
    /// with replayed(), renamed over journal.jsonl, the directory fsync'ed.
    /// A kill -9 at any point leaves the old journal or the new one, both
    /// complete (a stale .compacting file is removed by the next open).
    /// Call before the first append. On failure the old journal stays in
    /// use and the reason is returned; the run can go on with it.
    std::optional<std::string> compact();
    /// An fdatasync or a compaction's rename failed: nothing appended now
    /// can be promised to survive, so every append fails.
    bool broken() const { return !broken_.empty(); }

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
    /// Replays the complete lines of `fd` (from offset 0) into `out`;
    /// `complete` is where the last complete line ends, `lines` how many
    /// there are. False + `error` (naming the line) on an undecodable line.
    static bool replay_file(int fd, const std::string& path, journal_replay& out, std::uint64_t& complete,
                            std::uint64_t& lines, std::string& error);

    std::string dir_;
    journal_replay replayed_;
    std::uint64_t records_ = 0;
    std::uint64_t replayed_lines_ = 0; ///< records_ at open (or after compact())
    // Behind a pointer so the journal can move; guards size_ and broken_.
    std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
    std::uint64_t size_ = 0; ///< bytes of complete lines: where a failed append is cut back to
    std::string broken_;     ///< the fdatasync error that made the file untrustworthy
    std::error_code broken_code_;
};

} // namespace ascep::fleet
