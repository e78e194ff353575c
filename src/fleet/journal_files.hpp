// Private to journal.cpp and journal_compaction.cpp: file names and the
// small POSIX helpers both use.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace ascep::fleet::detail {

inline std::string errno_text(const std::string& what, const std::string& path)
{
    return what + " " + path + ": " + std::strerror(errno);
}

/// Where compaction writes the new journal before renaming it over the old.
inline std::string compacting_path(const std::string& journal_path)
{
    return journal_path + ".compacting";
}

/// fsync of a directory, so that a rename or a new entry in it is durable.
inline bool sync_directory(const std::string& dir, std::string& error)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        error = errno_text("cannot sync", dir);
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    ::close(fd);
    return true;
}

} // namespace ascep::fleet::detail
