#include "keys/passphrase.hpp"

#include <botan/mem_ops.h>

#include <algorithm>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ascep::keys {

passphrase::scrub_on_exit::~scrub_on_exit()
{
    // capacity() covers the short-string buffer too, where short ones live.
    Botan::secure_scrub_memory(s.data(), s.capacity());
}

namespace {

using read_result = boost::system::result<std::shared_ptr<const passphrase>, key_error>;

key_error unreadable(std::string message)
{
    return {errc::unreadable, std::move(message)};
}

/// The first line from `fd`, into locked memory; reads no further than the
/// first line end (or max_passphrase_size + 1 bytes).
read_result read_first_line(int fd, const std::string& named)
{
    Botan::secure_vector<std::uint8_t> buf(max_passphrase_size + 1);
    std::size_t have = 0;
    bool line_end = false;
    while (have < buf.size() && !line_end) {
        const auto n = ::read(fd, buf.data() + have, buf.size() - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return unreadable("cannot read the passphrase from " + named + ": " + std::strerror(errno));
        if (n == 0)
            break;
        for (std::size_t i = have; i < have + static_cast<std::size_t>(n); ++i)
            if (buf[i] == '\n') {
                line_end = true;
                break;
            }
        have += static_cast<std::size_t>(n);
    }
    std::size_t len = 0;
    while (len < have && buf[len] != '\n')
        ++len;
    if (len > max_passphrase_size)
        return unreadable("the passphrase from " + named + " is longer than " +
                          std::to_string(max_passphrase_size) + " bytes");
    if (len > 0 && buf[len - 1] == '\r')
        --len;
    if (len == 0)
        return unreadable("the passphrase from " + named + " is empty");
    // Copy the line out so that the rest of the buffer (zeroed on free) goes.
    Botan::secure_vector<std::uint8_t> line(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(len));
    return std::make_shared<const passphrase>(std::move(line));
}

bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

} // namespace

std::optional<passphrase_source> parse_passphrase_source(std::string_view text, std::string& why)
{
    const auto colon = text.find(':');
    const auto scheme = text.substr(0, colon == std::string_view::npos ? text.size() : colon);
    const auto rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    if (scheme == "pass") {
        why = "pass:PASSPHRASE is refused: a passphrase on the command line can be read by every local user "
              "(ps, /proc/PID/cmdline) while ascep runs; use file:PATH, env:VAR or fd:N";
        return std::nullopt;
    }
    if (colon == std::string_view::npos) {
        why = "'" + std::string(text) + "' is not file:PATH, env:VAR or fd:N";
        return std::nullopt;
    }
    passphrase_source s;
    if (scheme == "file") {
        if (rest.empty()) {
            why = "file: needs a path (file:PATH)";
            return std::nullopt;
        }
        s.type = passphrase_source::kind::file;
        s.name = std::string(rest);
        return s;
    }
    if (scheme == "env") {
        if (rest.empty() || !std::all_of(rest.begin(), rest.end(), is_name_char)) {
            why = "env: needs the name of an environment variable (env:VAR)";
            return std::nullopt;
        }
        s.type = passphrase_source::kind::env;
        s.name = std::string(rest);
        return s;
    }
    if (scheme == "fd") {
        int fd = -1;
        const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), fd);
        if (rest.empty() || ec != std::errc() || end != rest.data() + rest.size() || fd < 0) {
            why = "fd: needs a descriptor number (fd:N)";
            return std::nullopt;
        }
        s.type = passphrase_source::kind::fd;
        s.fd = fd;
        s.name = std::string(rest);
        return s;
    }
    why = "'" + std::string(scheme) + ":' is not file:PATH, env:VAR or fd:N";
    return std::nullopt;
}

read_result read_passphrase(const passphrase_source& source)
{
    switch (source.type) {
    case passphrase_source::kind::file: {
        const std::string named = "the file " + source.name;
        const int fd = ::open(source.name.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return unreadable("cannot open " + named + " (--key-pass): " + std::strerror(errno));
        struct stat st{};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd);
            return unreadable(named + " (--key-pass) is not a regular file");
        }
        auto r = read_first_line(fd, named);
        ::close(fd);
        return r;
    }
    case passphrase_source::kind::env: {
        const char* value = std::getenv(source.name.c_str());
        if (value == nullptr)
            return unreadable("the environment variable " + source.name + " (--key-pass) is not set");
        const std::size_t len = std::strlen(value);
        if (len == 0)
            return unreadable("the environment variable " + source.name + " (--key-pass) is empty");
        if (len > max_passphrase_size)
            return unreadable("the passphrase in " + source.name + " is longer than " +
                              std::to_string(max_passphrase_size) + " bytes");
        Botan::secure_vector<std::uint8_t> bytes(value, value + len);
        return std::make_shared<const passphrase>(std::move(bytes));
    }
    case passphrase_source::kind::fd:
        if (::fcntl(source.fd, F_GETFD) < 0)
            return unreadable("descriptor " + source.name + " (--key-pass fd:" + source.name +
                              ") is not open");
        return read_first_line(source.fd, "descriptor " + source.name);
    }
    return unreadable("unknown passphrase source");
}

} // namespace ascep::keys
