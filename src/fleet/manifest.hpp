// The fleet manifest: a CSV file naming the devices to enroll, one a row.
// It is read twice per run (once to check everything before the first
// request is sent, once to enroll), and may hold millions of rows, so it is
// streamed one record at a time; the check keeps 12 bytes per row (a hash
// of the id and its line) to find duplicates.
//
// Format: RFC 4180 with a header row. Columns, in any order: id (required),
// subject, dns, ip, email, challenge, key. Quoted fields may hold commas,
// newlines and "" for a quote; CRLF or LF; a UTF-8 BOM is skipped; blank
// lines and records starting with '#' are skipped.
#pragma once

#include "fleet/shard.hpp"
#include "scep/csr.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ascep::fleet {

struct device {
    std::string id;
    std::vector<scep::dn_attribute> subject; ///< empty: use CN=<id>
    std::vector<std::string> dns, ip, email;
    std::string challenge; ///< empty: the run's default
    std::string key_file;  ///< empty: generate; else an absolute path (relative ones are resolved against the manifest's dir)
    std::size_t line = 0;  ///< 1-based line where the record starts
    std::uint64_t key = 0; ///< id_key(id) (shard.hpp) when the id is safe (even on a row with other problems), else 0
};

/// One thing wrong with the manifest. line 0 = the file as a whole.
struct manifest_problem {
    std::size_t line = 0;
    std::string message;
};

/// Longest record (and so longest line) accepted: a bound on what one bad
/// row can make us hold in memory.
inline constexpr std::size_t max_manifest_record = 64 * 1024;

/// Streams the manifest: one record at a time, so a million-row file is never
/// held in memory. It checks each row on its own; duplicate ids span rows
/// and are check_manifest's to find.
class manifest_reader {
public:
    /// Opens `path` and reads the header. nullopt + `problem` on an
    /// unreadable file, a missing/empty header, a missing id column, unknown
    /// or duplicate columns. The reader owns its file descriptor; `path`
    /// need not outlive the call.
    static std::optional<manifest_reader> open(const std::string& path, manifest_problem& problem);

    /// Reads the next record into `out`. Returns false at the end of the
    /// file (then `problem` is empty). On a bad row (any of: unsafe or
    /// empty id, a bad subject, IP, DNS name or email, a missing
    /// key file, too many fields, a bad quote, a record over 64 KiB)
    /// returns true with `problem` set, naming the line where the record
    /// starts; `out` is then unspecified and the caller decides whether to
    /// go on. A read error is reported the same way with line 0, and the
    /// next call returns false.
    bool next(device& out, std::optional<manifest_problem>& problem);

    /// From now on next() passes over the records whose id is not in
    /// `shard`, having read only their id (no subject or name checks): the
    /// run's second pass, after check_manifest has judged every row.
    /// Records that are not CSV (a bad quote) are still returned as problems.
    void only_shard(shard_spec shard);

    manifest_reader(manifest_reader&&) noexcept;
    manifest_reader& operator=(manifest_reader&&) noexcept;
    ~manifest_reader();

private:
    struct state;
    explicit manifest_reader(std::unique_ptr<state> s);
    // Behind a pointer: the reader is moved into an optional, and the
    // buffer is large.
    std::unique_ptr<state> state_;
};

/// Pass 1 of a run: reads the whole manifest, returns every problem in line
/// order (several of one row in one message; stop after 100, then add one
/// "... and N more" line with line 0) and the count of valid devices, in
/// all and in `shard`. Every row is checked whatever the shard, so that
/// every shard of a run rejects the same bad manifest. A later row with the
/// id of an earlier one is a problem ("duplicate id 'x' (first at line N)").
/// Memory: 12 bytes per row (id_key and line, sorted at the end); only
/// when two rows share a key is the file read again, for those rows' ids.
/// An unopenable file gives devices = 0 and that one problem.
struct manifest_check {
    std::size_t devices = 0;          ///< valid rows
    std::size_t shard_devices = 0;    ///< valid rows in the shard
    std::vector<manifest_problem> problems;
};
manifest_check check_manifest(const std::string& path, shard_spec shard = {});

/// Whether `id` can name a device directory: [A-Za-z0-9._-], 1..128
/// characters, not starting with '.' or '-'. Shared with the fleet runner,
/// which makes DIR/<id>/.
bool is_safe_device_id(std::string_view id);

} // namespace ascep::fleet
