// Debian's scepserver (micromdm 2.1.0) in a throwaway depot on a free port.
// It listens on all interfaces; tests only ever talk to it over 127.0.0.1.
#pragma once

#include "background_process.hpp"
#include "temp_dir.hpp"

#include <optional>
#include <string>

namespace ascep::test {

class scepserver {
public:
    /// Creates the CA (`scepserver ca -init`) and starts the server with
    /// challenge `challenge` and renewal always allowed. Throws std::runtime_error.
    explicit scepserver(const std::string& challenge = "secret");

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/scep"; }
    std::uint16_t port() const { return port_; }
    /// The CA certificate (PEM) and its key (PEM, encrypted with an empty password).
    std::filesystem::path ca_cert() const { return dir_.file("depot") / "ca.pem"; }
    std::filesystem::path ca_key() const { return dir_.file("depot") / "ca.key"; }

private:
    temp_dir dir_;
    std::uint16_t port_;
    std::optional<background_process> process_;
};

} // namespace ascep::test
