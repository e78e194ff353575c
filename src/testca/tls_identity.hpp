// The certificate ascep-testca serves HTTPS with (--tls): a TLS CA of its
// own, made once in the state directory (STATE/tls-ca.pem is the anchor a
// client gives as --cacert; STATE/tls-ca.key its key), and a server
// certificate from it, issued again at every start for 127.0.0.1, ::1,
// localhost and each --tls-name. The SCEP CA is not used for this: a
// client that trusts the TLS anchor trusts no SCEP certificate, and the
// SCEP CA's issued/ holds only what clients asked for. Botan does the work;
// the server hands the PEM to Asio ssl.
#pragma once

#include <botan/rng.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ascep::testca {

struct tls_material {
    /// The server certificate then the TLS CA, PEM.
    std::string chain_pem;
    /// The server key, PKCS#8 PEM.
    std::string key_pem;
};

/// Makes (first start) or loads STATE/tls-ca.{pem,key}, and issues a fresh
/// server certificate (key kept in STATE/tls-server.key) naming 127.0.0.1,
/// ::1, localhost and `names` (IP addresses or DNS names). Throws
/// std::runtime_error for a name that is neither, and on I/O errors.
tls_material make_tls_material(const std::filesystem::path& state, const std::vector<std::string>& names,
                               Botan::RandomNumberGenerator& rng);

/// --tls-cert/--tls-key: the user's PEM files as they are. Throws
/// std::runtime_error naming the file that cannot be read.
tls_material read_tls_material(const std::filesystem::path& cert, const std::filesystem::path& key);

/// Whether `name` can be a subjectAltName: an IPv4 or IPv6 address, or a DNS
/// name of letters, digits, '-' and '.' (a leading "*." allowed).
bool valid_tls_name(const std::string& name);

} // namespace ascep::testca
