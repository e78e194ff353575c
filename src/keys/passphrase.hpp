// A key file's passphrase: where it comes from (openssl's -passin forms,
// which users know) and the bytes, kept in Botan's locked memory and
// zeroed when freed.
//
//   file:PATH   the first line of the file
//   env:VAR     the environment variable VAR
//   fd:N        the first line read from the inherited descriptor N
//
// openssl's pass:TEXT puts the secret on argv, where every local user reads
// it (ps, /proc/PID/cmdline): refused, with a message saying so.
#pragma once

#include "keys/error.hpp"

#include <boost/system/result.hpp>
#include <botan/secmem.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ascep::keys {

/// Longest passphrase read; the file or pipe holding more is the wrong one.
inline constexpr std::size_t max_passphrase_size = 1024;

class passphrase {
public:
    explicit passphrase(Botan::secure_vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
    passphrase(const passphrase&) = delete;
    passphrase& operator=(const passphrase&) = delete;
    passphrase(passphrase&&) = default;
    passphrase& operator=(passphrase&&) = default;

    std::size_t size() const noexcept { return bytes_.size(); }

    /// Calls `f(const std::string&)` with the passphrase in a std::string
    /// (what Botan's PKCS#8 and PBES2 functions take) that is zeroed before
    /// it is freed, and returns what `f` returns.
    template <typename F>
    decltype(auto) with_string(F&& f) const
    {
        std::string s;
        s.reserve(bytes_.size());
        s.assign(bytes_.begin(), bytes_.end());
        const scrub_on_exit guard{s};
        return std::forward<F>(f)(std::as_const(s));
    }

private:
    struct scrub_on_exit {
        std::string& s;
        ~scrub_on_exit();
    };
    Botan::secure_vector<std::uint8_t> bytes_;
};

struct passphrase_source {
    enum class kind { file, env, fd };
    kind type = kind::file;
    std::string name; ///< the path or the variable
    int fd = -1;
};

/// Parses "file:PATH", "env:VAR" or "fd:N". nullopt and `why` (one line,
/// without the option's name) for anything else; for "pass:..." `why` says
/// why argv is no place for it (and does not repeat the value).
std::optional<passphrase_source> parse_passphrase_source(std::string_view text, std::string& why);

/// Reads the passphrase once (a descriptor can be read only once). The
/// first line, without its line end. Errors (errc::unreadable): a file
/// that cannot be read or is not a regular file, an unset variable, a bad
/// descriptor, an empty passphrase, one longer than max_passphrase_size.
/// Messages name the source, never the content.
boost::system::result<std::shared_ptr<const passphrase>, key_error> read_passphrase(const passphrase_source& source);

} // namespace ascep::keys
