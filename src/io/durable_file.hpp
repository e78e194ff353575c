// Files that survive a crash: written to a temporary file in the same
// directory, fsync'ed, renamed over the target, and the directory fsync'ed.
// A reader sees the old content or the new, never half of either; kill -9
// or a power cut at any moment leaves no torn file behind. Used by the CLI,
// fleet mode (keys, certificates, journal) and the test CA (its state).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <system_error>
#include <cstdint>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::io {

/// When the rename becomes durable: now (the directory is fsync'ed), or
/// with the next write_file_atomic into the same directory that syncs it
/// (for a file that only matters together with a later one).
enum class directory_sync { now, with_next_file };

/// Replaces `path` with `content`, created with permissions `mode` (0600
/// for private keys: the key is never readable by others, not even briefly).
/// Returns an empty string on success, else why it failed (errno text with
/// the path); nothing is left behind on failure. When `code` is given it
/// receives the errno of the failure as a std::error_code (cleared on
/// success), for callers that must tell a full disk from a bad file.
std::string write_file_atomic(const std::string& path, std::span<const std::uint8_t> content, mode_t mode = 0644,
                              directory_sync sync = directory_sync::now, std::error_code* code = nullptr);
std::string write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0644,
                              directory_sync sync = directory_sync::now, std::error_code* code = nullptr);

/// Reads a whole file of at most `max_size` bytes. Returns an empty string
/// on success, else why it failed.
std::string read_file(const std::string& path, std::vector<std::uint8_t>& out, std::size_t max_size);

bool file_exists(const std::string& path);

/// Renames `from` to `to` (same file system) and fsyncs the directory of
/// `to` (and of `from`, when it differs), so that the rename survives a
/// power loss before anything that follows it. Returns an empty string, or
/// why it failed (errno text with the paths).
std::string rename_durable(const std::string& from, const std::string& to);

/// Copies `from` (at most 1 MiB: keys, certificates, requests) to `to`
/// atomically and durably (write_file_atomic), with `mode`, or with
/// `from`'s permission bits when `mode` is not given.
std::string copy_file_durable(const std::string& from, const std::string& to,
                              std::optional<mode_t> mode = std::nullopt,
                              directory_sync sync = directory_sync::now);

/// Removes `path` (a missing file is fine) and fsyncs its directory.
/// Returns an empty string, or why it failed.
std::string remove_durable(const std::string& path);

/// Creates directory `path` with `mode` unless it exists already (as a
/// directory), and when it is new, fsyncs its parent so that the new entry
/// survives a power loss as the files written into it will. Returns an
/// empty string, or why it failed (errno text with the path); `code`, when
/// given, receives the errno as write_file_atomic's does.
std::string make_directory_durable(const std::string& path, mode_t mode = 0700, std::error_code* code = nullptr);

/// Errors of the local disk rather than of the input or the peer: the disk
/// or quota is full (ENOSPC, EDQUOT), the device fails (EIO), or the place
/// is not writable (EACCES, EPERM, EROFS). Retrying cannot help until
/// someone frees space or fixes the mount; fleet mode stops on them.
bool is_local_fault(const std::error_code& code);

} // namespace ascep::io
