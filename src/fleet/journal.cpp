#include "fleet/journal.hpp"

#include "fleet/journal_files.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::fleet {
namespace {

namespace json = boost::json;
using detail::compacting_path;
using detail::errno_text;

constexpr std::array<std::string_view, 7> state_names{"requested", "pending",         "issued", "failed",
                                                     "renewing",  "renewal_pending", "renewed"};


// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629:
// no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s)
{
    const auto b0 = static_cast<unsigned char>(s[0]);
    if (b0 < 0x80)
        return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF)
        n = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0)
            lo = 0xA0;
        if (b0 == 0xED)
            hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0)
            lo = 0x90;
        if (b0 == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (s.size() < n)
        return 0;
    const auto b1 = static_cast<unsigned char>(s[1]);
    if (b1 < lo || b1 > hi)
        return 0;
    for (std::size_t i = 2; i < n; ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
            return 0;
    return n;
}

// Boost.JSON writes bytes as they are and rejects bad UTF-8 when parsing:
// without this a server's Latin-1 error text would make the journal
// unreadable on the next run.
json::string clean_utf8(std::string_view s)
{
    json::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        const std::size_t n = utf8_sequence(s);
        if (n == 0) {
            out.append("\xEF\xBF\xBD");
            s.remove_prefix(1);
        } else {
            out.append(s.substr(0, n));
            s.remove_prefix(n);
        }
    }
    return out;
}

std::string_view cut_detail(std::string_view s)
{
    if (s.size() <= max_journal_detail)
        return s;
    std::size_t cut = max_journal_detail;
    // Back off to a character boundary rather than leave half a character.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    return s.substr(0, cut);
}

bool get_string(const json::object& o, std::string_view key, std::string& out, std::string& error, bool required)
{
    const auto* v = o.if_contains(key);
    if (!v) {
        if (required)
            error = "no \"" + std::string(key) + "\"";
        return !required;
    }
    const auto* s = v->if_string();
    if (!s) {
        error = "\"" + std::string(key) + "\" is not a string";
        return false;
    }
    out.assign(s->data(), s->size());
    return true;
}

// Integers only: 1.0 or -1 where a count belongs means the line is not ours.
template <class T>
bool get_integer(const json::object& o, std::string_view key, T& out, std::string& error)
{
    const auto* v = o.if_contains(key);
    if (!v)
        return true;
    bool ok = false;
    if (const auto* i = v->if_int64())
        ok = std::in_range<T>(*i) && (out = static_cast<T>(*i), true);
    else if (const auto* u = v->if_uint64())
        ok = std::in_range<T>(*u) && (out = static_cast<T>(*u), true);
    if (!ok)
        error = "\"" + std::string(key) + "\" is not an integer in range";
    return ok;
}

} // namespace

std::string_view name(device_state s)
{
    const auto i = static_cast<std::size_t>(s);
    return i < state_names.size() ? state_names[i] : std::string_view("unknown");
}

std::string format_journal_line(const journal_record& r)
{
    json::object o;
    o.emplace("id", clean_utf8(r.id));
    o.emplace("state", name(r.state));
    o.emplace("transaction_id", clean_utf8(r.transaction_id));
    o.emplace("detail", clean_utf8(cut_detail(r.detail)));
    o.emplace("attempts", r.attempts);
    o.emplace("time_ms", r.time_ms);
    if (!r.old_serial.empty()) // absent otherwise: enrollment lines stay as they were
        o.emplace("old_serial", clean_utf8(r.old_serial));
    if (r.not_after != 0)
        o.emplace("not_after", r.not_after);
    if (r.pending_since != 0)
        o.emplace("pending_since", r.pending_since);
    std::string line = json::serialize(o);
    line += '\n';
    return line;
}

std::optional<journal_record> parse_journal_line(std::string_view line, std::string& error)
{
    if (line.size() > max_journal_line) {
        error = "longer than 64 KiB";
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\n')
        line.remove_suffix(1);
    boost::system::error_code ec;
    const json::value v = json::parse(line, ec);
    if (ec) {
        error = "not JSON: " + ec.message();
        return std::nullopt;
    }
    const auto* o = v.if_object();
    if (!o) {
        error = "not a JSON object";
        return std::nullopt;
    }
    journal_record r;
    std::string state;
    if (!get_string(*o, "id", r.id, error, true) || !get_string(*o, "state", state, error, true) ||
        !get_string(*o, "transaction_id", r.transaction_id, error, false) ||
        !get_string(*o, "detail", r.detail, error, false) || !get_integer(*o, "attempts", r.attempts, error) ||
        !get_integer(*o, "time_ms", r.time_ms, error) || !get_string(*o, "old_serial", r.old_serial, error, false) ||
        !get_integer(*o, "not_after", r.not_after, error) || !get_integer(*o, "pending_since", r.pending_since, error))
        return std::nullopt;
    if (r.id.empty()) {
        error = "empty \"id\"";
        return std::nullopt;
    }
    std::size_t i = 0;
    while (i < state_names.size() && state_names[i] != state)
        ++i;
    if (i == state_names.size()) {
        error = "unknown state \"" + state.substr(0, 40) + "\"";
        return std::nullopt;
    }
    r.state = static_cast<device_state>(i);
    return r;
}

namespace {

// The lock is the guard against two runs enrolling the same devices twice;
// its pid is only for the message.
std::string read_lock_owner(int fd)
{
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
        pid.pop_back();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos)
        return "unknown";
    return pid;
}

bool make_dir(const std::string& dir, std::string& error)
{
    if (::mkdir(dir.c_str(), 0700) == 0)
        return true;
    if (errno == ENOENT) {
        // Parents as mkdir -p would make them; only DIR itself must be private.
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);
        if (ec) {
            error = "cannot create " + dir + ": " + ec.message();
            return false;
        }
        if (::mkdir(dir.c_str(), 0700) == 0)
            return true;
    }
    if (errno != EEXIST) {
        error = errno_text("cannot create", dir);
        return false;
    }
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = dir + " exists and is not a directory";
        return false;
    }
    return true;
}

} // namespace

std::optional<journal> journal::open(const std::string& dir, std::string& error)
{
    if (dir.empty()) {
        error = "no journal directory given";
        return std::nullopt;
    }
    if (!make_dir(dir, error))
        return std::nullopt;

    journal j;
    const std::string lock_path = dir + "/.lock";
    j.lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (j.lock_fd_ < 0) {
        error = errno_text("cannot open", lock_path);
        return std::nullopt;
    }
    // flock, not fcntl locks: two open()s in one process conflict too, and
    // closing some other fd of the file does not drop the lock.
    if (::flock(j.lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            error = "another ascep fleet run is using " + dir + " (pid " + read_lock_owner(j.lock_fd_) + ")";
        else
            error = errno_text("cannot lock", lock_path);
        return std::nullopt;
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(j.lock_fd_, 0) != 0 ||
        ::pwrite(j.lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        error = errno_text("cannot write", lock_path);
        return std::nullopt;
    }

    j.dir_ = dir;
    j.path_ = dir + "/journal.jsonl";
    j.fd_ = ::open(j.path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (j.fd_ < 0) {
        error = errno_text("cannot open", j.path_);
        return std::nullopt;
    }

    // A compaction killed before its rename left its temp file: the journal
    // itself is the old one, complete. (We hold the lock: no run is writing it.)
    ::unlink(compacting_path(j.path_).c_str());
    if (!replay_file(j.fd_, j.path_, j.replayed_, j.size_, j.records_, error))
        return std::nullopt;
    j.replayed_lines_ = j.records_;
    struct stat st{};
    if (::fstat(j.fd_, &st) != 0) {
        error = errno_text("cannot stat", j.path_);
        return std::nullopt;
    }
    const auto offset = static_cast<std::uint64_t>(st.st_size);
    // Bytes after the last newline are an append that never returned: its
    // record was never promised to anyone, so it goes.
    if (offset != j.size_) {
        if (::ftruncate(j.fd_, static_cast<off_t>(j.size_)) != 0 || ::fdatasync(j.fd_) != 0) {
            error = errno_text("cannot cut the torn last line of", j.path_);
            return std::nullopt;
        }
    }
    // The journal's directory entry must be as durable as its first record.
    if (!detail::sync_directory(dir, error))
        return std::nullopt;
    return j;
}

bool journal::read_only(const std::string& dir, journal_replay& out, std::uint64_t& lines, std::string& error)
{
    const std::string path = dir + "/journal.jsonl";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = errno == ENOENT ? "no fleet journal in " + dir + " (" + path + " does not exist)"
                                : errno_text("cannot open", path);
        return false;
    }
    std::uint64_t complete = 0;
    const bool ok = replay_file(fd, path, out, complete, lines, error);
    ::close(fd);
    return ok;
}

bool journal::replay_file(int fd, const std::string& path, journal_replay& out, std::uint64_t& complete,
                          std::uint64_t& lines, std::string& error)
{
    // Streamed: a journal of a million devices is read in 64 KiB pieces.
    std::vector<char> buf(64 * 1024);
    std::string line;
    bool too_long = false;
    std::uint64_t offset = 0;
    complete = 0;
    lines = 0;
    for (;;) {
        const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = errno_text("cannot read", path);
            return false;
        }
        if (n == 0)
            break;
        std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        while (!chunk.empty()) {
            const auto nl = chunk.find('\n');
            const auto piece = chunk.substr(0, nl == std::string_view::npos ? chunk.size() : nl + 1);
            chunk.remove_prefix(piece.size());
            offset += piece.size();
            if (line.size() + piece.size() > max_journal_line)
                too_long = true; // keep scanning for its end, not its bytes
            else
                line += piece;
            if (nl == std::string_view::npos)
                continue;
            std::string why = "longer than 64 KiB";
            std::optional<journal_record> r;
            if (!too_long)
                r = parse_journal_line(line, why);
            if (!r || lines >= std::numeric_limits<std::uint32_t>::max()) {
                error = "corrupt journal " + path + " line " + std::to_string(lines + 1) + ": " +
                        (r ? std::string("more than 2^32 lines") : why) +
                        " (not resuming from a journal that cannot be trusted; move it away to start over)";
                return false;
            }
            out.apply(*r, static_cast<std::uint32_t>(lines));
            ++lines;
            complete = offset;
            line.clear();
            too_long = false;
        }
    }
    out.seal();
    return true;
}

std::optional<std::string> journal::append(const journal_record& r)
{
    return append(std::span<const journal_record>(&r, 1));
}

std::optional<std::string> journal::append(std::span<const journal_record> records, std::error_code* code)
{
    if (code)
        code->clear();
    std::optional<std::string> refused;
    std::string lines;
    for (const auto& r : records) {
        const std::string line = format_journal_line(r);
        if (line.size() > max_journal_line) {
            if (!refused)
                refused = "journal record for device '" + r.id.substr(0, 40) + "' is longer than 64 KiB";
            continue;
        }
        lines += line;
    }
    if (lines.empty())
        return refused;
    if (!mutex_)
        return std::string("the journal was moved from");
    std::lock_guard lock(*mutex_);
    if (auto e = write_and_sync(lines, code))
        return e;
    return refused;
}

std::optional<std::string> journal::write_and_sync(const std::string& lines, std::error_code* code)
{
    if (fd_ < 0)
        return std::string("the journal is closed");
    if (!broken_.empty()) {
        if (code)
            *code = broken_code_;
        return "the journal cannot be trusted after an earlier error: " + broken_;
    }
    std::size_t written = 0;
    while (written < lines.size()) {
        const ssize_t n = ::write(fd_, lines.data() + written, lines.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            if (code)
                *code = std::error_code(err, std::generic_category());
            std::string why = n < 0 ? errno_text("cannot write", path_) : "cannot write " + path_ + ": wrote nothing";
            // A half line in the middle would make the journal unreadable
            // next time: cut it off, or refuse all further appends.
            if (written > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
                broken_ = why + "; then " + errno_text("cannot truncate", path_);
                broken_code_ = std::error_code(err, std::generic_category());
            }
            return why;
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0) {
        // Linux may drop the dirty pages after a failed flush and report
        // success next time (the "fsyncgate" lesson): nothing after this
        // can be promised.
        broken_code_ = std::error_code(errno, std::generic_category());
        broken_ = errno_text("cannot fdatasync", path_);
        if (code)
            *code = broken_code_;
        return broken_;
    }
    size_ += lines.size();
    records_ += static_cast<std::uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
    return std::nullopt;
}

void journal::close_all() noexcept
{
    if (fd_ >= 0)
        ::close(fd_);
    if (lock_fd_ >= 0)
        ::close(lock_fd_); // releases the flock
    fd_ = lock_fd_ = -1;
}

journal::journal(journal&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      path_(std::move(other.path_)),
      dir_(std::move(other.dir_)),
      replayed_(std::move(other.replayed_)),
      records_(other.records_),
      replayed_lines_(other.replayed_lines_),
      mutex_(std::move(other.mutex_)),
      size_(other.size_),
      broken_(std::move(other.broken_)),
      broken_code_(other.broken_code_)
{
}

journal& journal::operator=(journal&& other) noexcept
{
    if (this != &other) {
        close_all();
        fd_ = std::exchange(other.fd_, -1);
        lock_fd_ = std::exchange(other.lock_fd_, -1);
        path_ = std::move(other.path_);
        dir_ = std::move(other.dir_);
        replayed_ = std::move(other.replayed_);
        records_ = other.records_;
        replayed_lines_ = other.replayed_lines_;
        mutex_ = std::move(other.mutex_);
        size_ = other.size_;
        broken_ = std::move(other.broken_);
        broken_code_ = other.broken_code_;
    }
    return *this;
}

journal::~journal()
{
    close_all();
}

} // namespace ascep::fleet
