// GetCACert and GetNextCACert responses (RFC 8894 §4.2, §4.7). Which
// certificate of the set does what: scep/ca_roles.hpp.
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

/// Checks a GetNextCACert response: a SignedData signed by one of
/// `current_signers` whose content is a degenerate chain; returns that chain.
/// Errors: scep::errc::untrusted_signer, cms errors, missing_content.
boost::system::result<std::vector<Botan::X509_Certificate>> verify_next_ca(
    std::span<const std::uint8_t> body, std::span<const Botan::X509_Certificate> current_signers);

} // namespace ascep::scep
