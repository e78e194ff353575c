#include "testca/files.hpp"

#include "io/durable_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace ascep::testca {
namespace {

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path)
{
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

/// State files are small (keys, certificates, a CRL, transaction records).
constexpr std::size_t max_state_file = 16 * 1024 * 1024;

} // namespace

// The durable write itself is io's (the one the client uses too); the test
// CA only turns its error text into an exception.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> content, unsigned mode)
{
    if (auto e = io::write_file_atomic(path.string(), content, static_cast<mode_t>(mode)); !e.empty())
        throw std::runtime_error(e);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode)
{
    if (auto e = io::write_file_atomic(path.string(), content, static_cast<mode_t>(mode)); !e.empty())
        throw std::runtime_error(e);
}

void write_file_replace(const std::filesystem::path& path, std::string_view content, unsigned mode)
{
    const auto tmp = path.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0)
        throw_errno("open", tmp);
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
    if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        throw_errno("write", path);
    }
}

void sync_file_system(const std::filesystem::path& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throw_errno("open", dir);
    const int rc = ::syncfs(fd);
    const int saved = errno;
    ::close(fd);
    if (rc != 0) {
        errno = saved;
        throw_errno("syncfs", dir);
    }
}

std::optional<bytes> read_file(const std::filesystem::path& path)
{
    if (!io::file_exists(path.string()))
        return std::nullopt;
    bytes out;
    if (auto e = io::read_file(path.string(), out, max_state_file); !e.empty())
        throw std::runtime_error(e);
    return out;
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
