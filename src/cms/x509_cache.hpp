// Certificates and their public keys, decoded once. Loading an RSA public key
// makes its Montgomery parameters (Botan RSA_PublicKey::init), and Botan 2.19
// does that even to parse a certificate whose subject is its issuer (to find
// out whether it is self-signed). A client used to do it three times per
// message for the same CA certificate: to encrypt the request, to parse the
// copy the reply carries, to verify the reply. A fleet's thousands of
// enrollments share one CA, so the caches are per process, not per
// enrollment.
#pragma once

#include <botan/pk_keys.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace ascep::cms {

/// The public key of `cert`, from a small bounded cache keyed by the
/// certificate's SubjectPublicKeyInfo bytes (equal bytes, equal key: no
/// certificate can smuggle another's key in). Thread-safe. Throws what
/// Botan's X509_Certificate::load_subject_public_key throws.
std::shared_ptr<const Botan::Public_Key> public_key_of(const Botan::X509_Certificate& cert);

/// The public key of a DER SubjectPublicKeyInfo (a PKCS#10 request's), from
/// the same cache as public_key_of: a test CA loads a device's key from its
/// request and from the self-signed certificate that signed it, and these
/// are the same bytes. Thread-safe. Throws what Botan's X509::load_key
/// throws; a failure is not cached.
std::shared_ptr<const Botan::Public_Key> public_key_from_spki(const std::vector<std::uint8_t>& spki);

/// Botan's X509_Certificate of `der`, from a small bounded cache keyed by
/// the whole encoding (Botan certificates are immutable; copies share their
/// decoded data). Thread-safe. Throws what Botan's decoder throws; a failure
/// is not cached.
Botan::X509_Certificate certificate_from_der(const std::vector<std::uint8_t>& der);

} // namespace ascep::cms
