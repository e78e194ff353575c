// journal::compact(): the journal rewritten to one line per device at the
// start of a run (issue 15), so that a fleet polled for weeks does not
// replay millions of lines. Crash-safe by rename: until the rename the old
// file is the journal, after it the new one, and each is complete and
// synced before it can be the journal.
#include "fleet/journal.hpp"

#include "fleet/journal_files.hpp"
#include "io/crash_point.hpp"

#include <cstdio>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::fleet {
namespace {

using detail::errno_text;

/// An fd closed on every way out.
struct fd_guard {
    int fd = -1;
    ~fd_guard()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

bool write_all(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// Copies the lines of `from` (up to `complete` bytes) whose 0-based number
/// is in `keep` (ascending) to `to`, as they are. Returns bytes written, or
/// -1 with errno set.
std::int64_t copy_lines(int from, std::uint64_t complete, const std::vector<std::uint32_t>& keep, int to)
{
    std::vector<char> in(64 * 1024);
    std::string out;
    std::string partial; // a kept line split across two reads
    std::uint64_t offset = 0, written = 0;
    std::uint32_t line = 0;
    std::size_t next = 0; // index in keep
    while (offset < complete && next < keep.size()) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), complete - offset));
        const ssize_t n = ::pread(from, in.data(), want, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO; // the file shrank under us: not ours to guess about
            return -1;
        }
        offset += static_cast<std::uint64_t>(n);
        std::string_view chunk(in.data(), static_cast<std::size_t>(n));
        while (!chunk.empty() && next < keep.size()) {
            const auto nl = chunk.find('\n');
            const auto piece = chunk.substr(0, nl == std::string_view::npos ? chunk.size() : nl + 1);
            chunk.remove_prefix(piece.size());
            const bool kept = keep[next] == line;
            if (kept)
                partial += piece;
            if (nl == std::string_view::npos)
                continue;
            if (kept) {
                out += partial;
                partial.clear();
                ++next;
            }
            ++line;
        }
        if (out.size() >= 256 * 1024) {
            if (!write_all(to, out))
                return -1;
            written += out.size();
            out.clear();
        }
    }
    if (!write_all(to, out))
        return -1;
    return static_cast<std::int64_t>(written + out.size());
}

} // namespace

std::optional<std::string> journal::compact()
{
    if (fd_ < 0)
        return std::string("the journal is closed");
    if (!broken_.empty())
        return "the journal cannot be trusted after an earlier error: " + broken_;
    // replayed() does not see appends: compacting after one would drop it.
    if (records_ != replayed_lines_)
        return std::string("the journal can only be compacted before anything is appended");
    const std::string temp = detail::compacting_path(path_);
    const auto keep = replayed_.last_lines();

    fd_guard out{::open(temp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (out.fd < 0)
        return errno_text("cannot create", temp);
    auto give_up = [&temp](std::string why) {
        ::unlink(temp.c_str());
        return std::optional<std::string>(std::move(why));
    };
    const auto written = copy_lines(fd_, size_, keep, out.fd);
    if (written < 0)
        return give_up(errno_text("cannot write", temp));
    if (::fsync(out.fd) != 0)
        return give_up(errno_text("cannot fsync", temp));

    // What a later run will replay must be what this run replayed: read it
    // back as the next open would, and compare every record.
    journal_replay check;
    std::uint64_t complete = 0, lines = 0;
    std::string why;
    if (!replay_file(out.fd, temp, check, complete, lines, why))
        return give_up("the compacted journal does not read back: " + why);
    if (complete != static_cast<std::uint64_t>(written) || lines != keep.size() ||
        check.records() != replayed_.records())
        return give_up("the compacted journal does not replay to the same records (kept the old one)");

    io::crash_point("journal-compaction-before-rename");
    if (::rename(temp.c_str(), path_.c_str()) != 0)
        return give_up(errno_text("cannot rename " + temp + " to", path_));
    io::crash_point("journal-compaction-after-rename");
    // Appends now go to the new file (the old fd holds the unlinked inode).
    const int fresh = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fresh < 0) {
        // The new file is the journal but cannot be appended to: a run that
        // cannot journal must not start.
        broken_ = errno_text("cannot reopen the compacted", path_);
        return broken_;
    }
    ::close(fd_);
    fd_ = fresh;
    size_ = static_cast<std::uint64_t>(written);
    records_ = replayed_lines_ = lines;
    replayed_.renumber_after_compaction();
    if (!detail::sync_directory(dir_, why)) {
        // The rename may not be on disk yet; appends to the new file would
        // then vanish with it after a power cut.
        broken_ = why;
        return broken_;
    }
    return std::nullopt;
}

} // namespace ascep::fleet
