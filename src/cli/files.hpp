// Reading keys, certificates and requests the way sscep users have them
// (PEM or DER; PKCS#8 or traditional "RSA PRIVATE KEY"), and writing results
// atomically: a temporary file in the same directory, fsync, rename. A
// failed or interrupted run never leaves a half-written file.
#pragma once

#include "cli/failure.hpp"
#include "scep/csr.hpp"
#include "keys/passphrase.hpp"

#include <botan/pk_keys.h>
#include <botan/x509_crl.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <sys/types.h>
#include <vector>

namespace ascep::cli {

using bytes = std::vector<std::uint8_t>;

/// Largest input file read (keys, certificates, requests, messages).
inline constexpr std::size_t max_file_size = 16 * 1024 * 1024;

file_result<bytes> read_file(const std::string& path);

/// An RSA private key: PKCS#8 (PEM or DER), encrypted PKCS#8 (with `pass`,
/// from --key-pass; may be null) or PKCS#1 (keys/key_file.hpp). Errors
/// (exit 93) name the file; a wrong passphrase is one of them.
file_result<std::shared_ptr<Botan::Private_Key>> load_private_key(const std::string& path,
                                                                  const keys::passphrase* pass);
/// One certificate, PEM or DER.
file_result<Botan::X509_Certificate> load_certificate(const std::string& path);
/// Every certificate in a file: one DER certificate, or any number of PEM blocks.
file_result<std::vector<Botan::X509_Certificate>> load_certificates(const std::string& path);
/// The CA's certificates for -c BASE: BASE itself if it exists, then the
/// BASE-0, BASE-1, ... that getca writes for a chain, each read as a
/// GetCACert body is (one DER certificate, a PKCS#7 chain, PEM blocks);
/// repeats dropped. Every operation and the fleet read -c through this.
file_result<std::vector<Botan::X509_Certificate>> load_ca_certificates(const std::string& base);
/// A PKCS#10 request as read from a file: its DER and what scep::read_csr
/// found in it.
struct request_file {
    bytes der;
    scep::csr_summary csr;
};
/// A PKCS#10 request, PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE
/// REQUEST") or DER, read with scep::read_csr as inspect and the test CA
/// read it (versions 0 to 2: iOS devices send 2, which Botan's
/// PKCS10_Request refuses); its self-signature must verify.
file_result<request_file> load_request(const std::string& path);

/// Writes `content` to `path` atomically with permissions `mode` (0600 for keys).
file_result<void> write_file_atomic(const std::string& path, std::span<const std::uint8_t> content,
                                    mode_t mode = 0644);
file_result<void> write_text_atomic(const std::string& path, const std::string& text, mode_t mode = 0644);

bool file_exists(const std::string& path);

} // namespace ascep::cli
