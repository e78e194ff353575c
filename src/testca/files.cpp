#include "testca/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

namespace ascep::testca {
namespace {

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path)
{
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void fsync_dir(const std::filesystem::path& dir)
{
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throw_errno("open", dir);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0)
        throw_errno("fsync", dir);
}

} // namespace

void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> content, unsigned mode)
{
    // Unique per process: two processes writing the same file each rename
    // their own complete copy; the last rename wins, nothing is torn.
    auto tmp = path;
    tmp += ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        throw_errno("create", tmp);
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int saved = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            errno = saved;
            throw_errno("write", tmp);
        }
        done += static_cast<std::size_t>(n);
    }
    // fchmod: the umask may have narrowed `mode` at open, and keys must be 0600 exactly.
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
        const int saved = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        errno = saved;
        throw_errno("fsync", tmp);
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        throw_errno("rename", path);
    }
    fsync_dir(path.parent_path());
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode)
{
    write_file_atomic(path, std::span(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()), mode);
}

std::optional<bytes> read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            return std::nullopt;
        throw std::system_error(std::make_error_code(std::errc::io_error), "read " + path.string());
    }
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::string> read_text(const std::filesystem::path& path)
{
    auto data = read_file(path);
    if (!data)
        return std::nullopt;
    return std::string(data->begin(), data->end());
}

dir_lock::dir_lock(const std::filesystem::path& lock_file)
{
    fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw_errno("open", lock_file);
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno != EINTR) {
            const int saved = errno;
            ::close(fd_);
            errno = saved;
            throw_errno("flock", lock_file);
        }
    }
}

dir_lock::~dir_lock()
{
    if (fd_ >= 0)
        ::close(fd_); // releases the lock
}

} // namespace ascep::testca
