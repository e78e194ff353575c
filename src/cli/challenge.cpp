#include "cli/challenge.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::cli {
namespace {

file_result<std::string> read_challenge_file(const std::string& path)
{
    const std::string named = "challenge file " + path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return file_failure("cannot open the " + named + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return file_failure("the " + named + " is not a regular file");
    }
    // One byte more than allowed, to tell "too long" from "just fits".
    std::string text(max_challenge_file_size + 1, '\0');
    std::size_t have = 0;
    while (have < text.size()) {
        const auto n = ::read(fd, text.data() + have, text.size() - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int e = errno;
            ::close(fd);
            return file_failure("cannot read the " + named + ": " + std::strerror(e));
        }
        if (n == 0)
            break;
        have += static_cast<std::size_t>(n);
    }
    ::close(fd);
    text.resize(have);
    if (have > max_challenge_file_size)
        return file_failure("the " + named + " is longer than " + std::to_string(max_challenge_file_size) +
                            " bytes: not a challenge password");
    // One trailing newline, as `echo SECRET > FILE` and editors leave it.
    if (!text.empty() && text.back() == '\n')
        text.pop_back();
    if (!text.empty() && text.back() == '\r')
        text.pop_back();
    if (text.empty())
        return file_failure("the " + named + " is empty");
    if (text.find('\0') != std::string::npos)
        return file_failure("the " + named + " holds a NUL byte");
    if (text.find_first_of("\r\n") != std::string::npos)
        return file_failure("the " + named + " holds more than one line; it must hold the challenge password alone");
    return text;
}

} // namespace

file_result<std::string> resolve_challenge(const options& opts, reporter& out)
{
    if (!opts.challenge_file.empty()) {
        if (!opts.challenge.empty())
            return failure{outcome::general_error,
                           "give the challenge once: --challenge-file or a challenge on the command line, not both"};
        return read_challenge_file(opts.challenge_file);
    }
    if (!opts.challenge.empty()) {
        if (opts.op != operation::mkrequest)
            out.warn("a challenge password on the command line can be read by every local user (ps, "
                     "/proc/PID/cmdline) while " + std::string(name_of(opts.op)) +
                     " runs; use --challenge-file FILE or the environment variable " +
                     challenge_environment_variable + " instead");
        return opts.challenge;
    }
    if (const char* env = std::getenv(challenge_environment_variable); env != nullptr)
        return std::string(env);
    return std::string();
}

} // namespace ascep::cli
