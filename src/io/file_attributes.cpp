#include "io/file_attributes.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::io {

std::string match_owner_and_mode(const std::string& model, const std::string& target)
{
    struct stat want {};
    if (::stat(model.c_str(), &want) != 0)
        return "cannot read the owner and mode of " + model + ": " + std::strerror(errno);
    const int fd = ::open(target.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return "cannot open " + target + ": " + std::strerror(errno);
    struct stat have {};
    std::string why;
    if (::fstat(fd, &have) != 0)
        why = "cannot read the owner and mode of " + target + ": " + std::strerror(errno);
    // chown first: it may clear set-id bits that the chmod then restores.
    else if ((have.st_uid != want.st_uid || have.st_gid != want.st_gid) &&
             ::fchown(fd, want.st_uid, want.st_gid) != 0)
        why = "cannot give " + target + " the owner and group of " + model + " (" + std::to_string(want.st_uid) +
              ":" + std::to_string(want.st_gid) + "): " + std::strerror(errno) +
              "; run as root or as the owner of " + model;
    else if (::fchmod(fd, want.st_mode & 07777) != 0)
        why = "cannot give " + target + " the mode of " + model + ": " + std::strerror(errno);
    else if (::fsync(fd) != 0)
        why = "cannot sync " + target + ": " + std::strerror(errno);
    ::close(fd);
    return why;
}

std::string follow_symlinks(const std::string& path, std::string& why)
{
    namespace fs = std::filesystem;
    fs::path p(path);
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
            return p.string();
        std::error_code ec;
        const fs::path target = fs::read_symlink(p, ec);
        if (ec) {
            why = "cannot read the symlink " + p.string() + ": " + ec.message();
            return path;
        }
        p = target.is_absolute() ? target : p.parent_path() / target;
    }
    why = path + ": too many levels of symlinks";
    return path;
}

} // namespace ascep::io
