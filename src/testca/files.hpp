// Durable files for the test CA's state directory: every write is a temp file
// in the same directory, fsync, rename over the target, fsync of the
// directory, so that kill -9 or a power cut leaves the old or the new file,
// never half of one (io/durable_file.hpp does the writing). Failures throw
// std::runtime_error or std::system_error (a full disk is not a
// client error; the server answers 500 and carries on).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::testca {

using bytes = std::vector<std::uint8_t>;

/// Replaces `path` atomically with `content`, file mode `mode`.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> content,
                       unsigned mode = 0644);
void write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

/// Replaces `path` with `content` (temp file, rename) without waiting for the
/// disk: a reader sees the old file or the new one, and kill -9 loses
/// nothing (the kernel has the data); a power cut may, until
/// sync_file_system. For the server's group commit (state_store).
void write_file_replace(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

/// syncfs(2) of the file system that holds `dir`: everything written there
/// so far, data and renames, is on the disk when it returns. Throws
/// std::system_error.
void sync_file_system(const std::filesystem::path& dir);

/// The whole file, or nullopt when it does not exist. Throws on other errors.
std::optional<bytes> read_file(const std::filesystem::path& path);
std::optional<std::string> read_text(const std::filesystem::path& path);

/// An exclusive flock(2) on a lock file, held for the object's lifetime. The
/// server and the `approve`/`revoke`/... commands take it around every
/// read-modify-write of the state, so neither loses the other's update.
class dir_lock {
public:
    explicit dir_lock(const std::filesystem::path& lock_file);
    ~dir_lock();
    dir_lock(const dir_lock&) = delete;
    dir_lock& operator=(const dir_lock&) = delete;

private:
    int fd_ = -1;
};

} // namespace ascep::testca
