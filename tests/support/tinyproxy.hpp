// Debian's tinyproxy as a real HTTP proxy on 127.0.0.1, with Basic auth,
// started by the test in a temp dir and stopped by PID. Its log (LogLevel
// Info) records every request it passed on, so tests can show that the
// traffic really went through it.
#pragma once

#include "background_process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ascep::test {

struct tinyproxy_options {
    std::string user = "scep";
    std::string password = "s3cret";
    /// Ports CONNECT may reach (tinyproxy refuses CONNECT to any other).
    std::vector<std::uint16_t> connect_ports;
};

class tinyproxy {
public:
    /// Writes the config and starts `tinyproxy -d -c FILE`. Throws std::runtime_error.
    explicit tinyproxy(tinyproxy_options opts = {});

    std::uint16_t port() const { return port_; }
    /// "127.0.0.1:PORT"
    std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }
    /// "USER:PASS@127.0.0.1:PORT", as -p takes it.
    std::string spec() const { return opts_.user + ":" + opts_.password + "@" + authority(); }
    /// The whole log so far.
    std::string log() const;

private:
    tinyproxy_options opts_;
    temp_dir dir_;
    std::uint16_t port_;
    std::optional<background_process> process_;
};

} // namespace ascep::test
