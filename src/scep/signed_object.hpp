// X.509's SIGNED{} wrapper, signed through cms::private_key_ops so the
// request and the self-signed certificate share the key's one private
// operation with every later signature (Botan's PKCS10_Request::create and
// X509_CA::make_cert each build their own, and then re-parse and re-load
// the key they just used).
#pragma once

#include "cms/private_key_ops.hpp"

#include <botan/asn1_obj.h>

#include <cstdint>
#include <vector>

namespace ascep::scep {

/// sha256WithRSAEncryption with NULL parameters, as Botan 2 writes it.
Botan::AlgorithmIdentifier sha256_with_rsa_algorithm();

/// SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING signature }: the DER
/// Botan's X509_Object::make_signed writes. `tbs` is the whole DER of the
/// CertificationRequestInfo or TBSCertificate. Throws
/// boost::system::system_error (cms::errc::invalid_key) when `key` cannot sign.
std::vector<std::uint8_t> make_signed_object(const cms::private_key_ops& key, const std::vector<std::uint8_t>& tbs);

} // namespace ascep::scep
