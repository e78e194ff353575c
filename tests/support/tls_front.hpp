// Debian's nginx terminating TLS in front of a loopback HTTP server, with a
// throwaway CA and server certificates made by the openssl command in the
// test's temp dir. Two TLS ports: one whose certificate is for localhost and
// 127.0.0.1, one whose certificate is for another name (host name checks).
#pragma once

#include "background_process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ascep::test {

class tls_front {
public:
    /// Makes the PKI, writes nginx.conf (proxy_pass to 127.0.0.1:upstream_port)
    /// and starts `nginx -p DIR -c DIR/nginx.conf` in the foreground, one
    /// process. Throws std::runtime_error.
    explicit tls_front(std::uint16_t upstream_port);

    /// The port whose certificate names DNS:localhost and IP:127.0.0.1.
    std::uint16_t port() const { return port_; }
    /// The port whose certificate names only DNS:other.example.test.
    std::uint16_t other_port() const { return other_port_; }
    /// "https://127.0.0.1:PORT" + path.
    std::string url(const std::string& path = "/scep") const
    {
        return "https://127.0.0.1:" + std::to_string(port_) + path;
    }

    /// The CA that issued both server certificates (PEM), and a directory
    /// holding it in OpenSSL's hashed layout (for --capath).
    std::filesystem::path ca_cert() const { return dir_.file("ca.crt"); }
    std::filesystem::path ca_dir() const { return dir_.file("ca.d"); }
    /// An unrelated CA: the wrong trust anchor.
    std::filesystem::path wrong_ca_cert() const { return dir_.file("wrong-ca.crt"); }
    /// nginx's access log so far.
    std::string access_log() const;

private:
    temp_dir dir_;
    std::uint16_t port_;
    std::uint16_t other_port_;
    std::optional<background_process> process_;
};

} // namespace ascep::test
