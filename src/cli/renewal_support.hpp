// What the two renewals share (a key file, renew_operation.cpp; a token
// key, token_renewal.cpp): the due check with its lines and --json fields,
// and the request for the new key.
#pragma once

#include "cli/failure.hpp"
#include "cms/private_key_ops.hpp"

#include <botan/x509cert.h>

#include <chrono>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

namespace ascep::cli {

class session;

/// The serial as renew prints it (hex).
std::string serial_of(const Botan::X509_Certificate& cert);

/// Whether `cert` (read from `cert_path`) is due within --within. Sets the
/// --json fields due, renewed, serial, not_after, renew_after; when not
/// due, prints the one line saying until when. `expiry` gets the
/// "CERT expires ... (in ...)" text for the caller's next line; an expired
/// certificate is warned about.
bool check_due(session& s, const Botan::X509_Certificate& cert, const std::string& cert_path, std::string& expiry);

/// Where a renewal put things, for --json.
struct renewed_names {
    std::string certificate;
    std::string key; ///< a file, or the token key's label
    std::string previous_certificate;
    std::string previous_key;
};

/// The --json fields of a finished renewal: due, renewed, the names, the
/// new certificate's subject, serial and not_after, the old serial.
void report_renewed(session& s, const Botan::X509_Certificate& cert,
                    const std::optional<Botan::X509_Certificate>& previous, const renewed_names& names);

/// The request for the new key: the old certificate's subject and
/// subjectAltNames. The old pair's signature vouches for it, so the
/// challenge is usually empty; a CA that wants one for renewals too (some
/// NDES set-ups without Renewal in their caps) gets it from
/// --challenge-file, ASCEP_CHALLENGE or --challenge. Signed by `key`.
file_result<std::vector<std::uint8_t>> renewal_csr(const cms::private_key_ops& key, const Botan::X509_Certificate& old,
                                                   const std::string& challenge);

} // namespace ascep::cli
