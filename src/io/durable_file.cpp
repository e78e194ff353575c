#include "io/durable_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::io {
namespace {

std::string failed(const char* what, const std::string& path)
{
    return std::string("cannot ") + what + " " + path + ": " + std::strerror(errno);
}

/// `failed`, also keeping errno in `code` when the caller asked for it.
std::string failed(const char* what, const std::string& path, std::error_code* code)
{
    if (code)
        *code = std::error_code(errno, std::generic_category());
    return failed(what, path);
}

} // namespace

bool file_exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

namespace {

/// fsyncs the directory that holds `path`, so that a new, renamed or
/// removed entry in it survives a power loss.
std::string sync_directory_of(const std::string& path, std::error_code* code = nullptr)
{
    const std::filesystem::path p(path);
    const auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || ::fsync(dfd) != 0) {
        const auto why = failed("sync", dir.string(), code);
        if (dfd >= 0)
            ::close(dfd);
        return why;
    }
    ::close(dfd);
    return {};
}

} // namespace

std::string rename_durable(const std::string& from, const std::string& to)
{
    if (::rename(from.c_str(), to.c_str()) != 0)
        return failed("rename", from) + " to " + to;
    auto why = sync_directory_of(to);
    const std::filesystem::path a(from), b(to);
    if (why.empty() && a.parent_path() != b.parent_path())
        why = sync_directory_of(from);
    return why;
}

std::string copy_file_durable(const std::string& from, const std::string& to, std::optional<mode_t> mode,
                              directory_sync sync)
{
    constexpr std::size_t max_copy = 1024 * 1024;
    struct stat st {};
    if (::stat(from.c_str(), &st) != 0)
        return failed("read", from);
    std::vector<std::uint8_t> content;
    if (auto why = read_file(from, content, max_copy); !why.empty())
        return why;
    return write_file_atomic(to, content, mode.value_or(st.st_mode & 07777), sync);
}

std::string remove_durable(const std::string& path)
{
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return failed("remove", path);
    return sync_directory_of(path);
}

bool is_local_fault(const std::error_code& code)
{
    if (code.category() != std::generic_category() && code.category() != std::system_category())
        return false;
    switch (code.value()) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EACCES:
    case EPERM:
    case EROFS:
        return true;
    default:
        return false;
    }
}

std::string make_directory_durable(const std::string& path, mode_t mode, std::error_code* code)
{
    if (code)
        code->clear();
    if (::mkdir(path.c_str(), mode) != 0) {
        struct stat st {};
        if (errno == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            return {};
        if (errno == EEXIST)
            errno = ENOTDIR;
        return failed("create", path, code);
    }
    return sync_directory_of(path, code);
}

std::string write_file_atomic(const std::string& path, std::span<const std::uint8_t> content, mode_t mode,
                              directory_sync sync, std::error_code* code)
{
    if (code)
        code->clear();
    const std::filesystem::path target(path);
    const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    // mkstemp names are unique per call, so concurrent writers never share a
    // temporary file; the last rename wins and nothing is torn.
    std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        return failed("write", path, code);
    std::string error;
    if (::fchmod(fd, mode) != 0)
        error = failed("write", path, code);
    std::size_t done = 0;
    while (error.empty() && done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            error = failed("write", path, code);
        else
            done += static_cast<std::size_t>(n);
    }
    if (error.empty() && ::fsync(fd) != 0)
        error = failed("sync", path, code);
    if (::close(fd) != 0 && error.empty())
        error = failed("write", path, code);
    if (error.empty() && ::rename(tmp.c_str(), path.c_str()) != 0)
        error = failed("replace", path, code);
    if (!error.empty()) {
        ::unlink(tmp.c_str());
        return error;
    }
    // The rename is durable only once the directory entry is on disk.
    if (sync == directory_sync::with_next_file)
        return {};
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

std::string write_file_atomic(const std::string& path, std::string_view content, mode_t mode, directory_sync sync,
                              std::error_code* code)
{
    return write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(content.data()), content.size()}, mode,
                             sync, code);
}

std::string read_file(const std::string& path, std::vector<std::uint8_t>& out, std::size_t max_size)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return failed("read", path);
    out.clear();
    std::uint8_t buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const auto error = failed("read", path);
            ::close(fd);
            return error;
        }
        if (n == 0)
            break;
        out.insert(out.end(), buf, buf + n);
        if (out.size() > max_size) {
            ::close(fd);
            return path + " is larger than " + std::to_string(max_size) + " bytes";
        }
    }
    ::close(fd);
    return {};
}

} // namespace ascep::io
