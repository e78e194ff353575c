#include "keys/pin.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ascep::keys {
namespace {

/// Longest PIN file read; PINs are short, a larger file is a mistake.
constexpr std::size_t max_pin_file = 4096;

std::optional<Botan::secure_vector<char>> read_pin_file(const std::string& path, std::string& why)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        why = "cannot read the PIN file " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    Botan::secure_vector<char> pin(max_pin_file + 1);
    std::size_t got = 0;
    while (got < pin.size()) {
        const auto n = ::read(fd, pin.data() + got, pin.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            why = "cannot read the PIN file " + path + ": " + std::strerror(errno);
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (got > max_pin_file) {
        why = "the PIN file " + path + " is larger than " + std::to_string(max_pin_file) + " bytes";
        return std::nullopt;
    }
    pin.resize(got); // secure_vector zeroes what it frees
    while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r'))
        pin.pop_back();
    if (pin.empty()) {
        why = "the PIN file " + path + " is empty";
        return std::nullopt;
    }
    return pin;
}

} // namespace

std::optional<Botan::secure_vector<char>> find_pin(const std::string& pin_source, const token_settings& settings,
                                                   std::string& why)
{
    if (!pin_source.empty()) {
        std::string path = pin_source;
        if (path.starts_with("file://"))
            path.erase(0, 7);
        else if (path.starts_with("file:"))
            path.erase(0, 5);
        else if (!path.starts_with("/")) {
            why = "pin-source '" + pin_source + "' is not supported: use pin-source=file:/path";
            return std::nullopt;
        }
        return read_pin_file(path, why);
    }
    if (!settings.pin_file.empty())
        return read_pin_file(settings.pin_file, why);
    if (settings.pin_from_environment)
        if (const char* env = std::getenv("ASCEP_PIN"); env != nullptr && *env != '\0')
            return Botan::secure_vector<char>(env, env + std::strlen(env));
    return settings.config_pin;
}

} // namespace ascep::keys
