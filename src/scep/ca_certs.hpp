// GetCACert and GetNextCACert responses (RFC 8894 §4.2, §4.7), and which
// certificate of a CA/RA chain does what.
#pragma once

#include <boost/system/result.hpp>
#include <botan/x509cert.h>

#include <cstdint>
#include <span>
#include <vector>

namespace ascep::scep {

/// Reads a GetCACert body: one DER certificate (application/x-x509-ca-cert),
/// a degenerate PKCS#7 chain (application/x-x509-ca-ra-cert), or either in
/// PEM. The content type is not trusted: servers get it wrong, so the body
/// decides. Certificates come back in the order received.
/// Errors: cms::errc::malformed (or other cms errors); scep::errc::missing_content when empty.
boost::system::result<std::vector<Botan::X509_Certificate>> parse_ca_certs(std::span<const std::uint8_t> body);

/// The roles of the certificates of a GetCACert chain.
struct ca_roles {
    Botan::X509_Certificate ca;         // the issuing CA: names the issuer in CertPoll/GetCert
    Botan::X509_Certificate encryption; // requests are encrypted to it
    /// Replies must be signed by one of these: the RA signing certificate
    /// (NDES) or the CA itself.
    std::vector<Botan::X509_Certificate> signers;
};

/// Picks roles as Microsoft NDES needs: encryption is a non-CA certificate
/// with keyEncipherment, the signer a non-CA certificate with
/// digitalSignature; with no such RA certificate, the CA does both. Some
/// NDES servers set only one of the two usages on each RA certificate, so
/// an RA certificate without any keyUsage extension may serve either role.
/// Errors: scep::errc::missing_content for an empty chain.
boost::system::result<ca_roles> select_ca_roles(const std::vector<Botan::X509_Certificate>& chain);

/// Checks a GetNextCACert response: a SignedData signed by one of
/// `current_signers` whose content is a degenerate chain; returns that chain.
/// Errors: scep::errc::untrusted_signer, cms errors, missing_content.
boost::system::result<std::vector<Botan::X509_Certificate>> verify_next_ca(
    std::span<const std::uint8_t> body, std::span<const Botan::X509_Certificate> current_signers);

} // namespace ascep::scep
