// Public keys of certificates, loaded once. Loading an RSA public key makes
// its Montgomery parameters (Botan RSA_PublicKey::init), and a client used to
// do that for the CA's certificate twice per message: once to encrypt the
// request, once to verify the reply. A fleet's thousands of enrollments
// share one CA, so the cache is per process, not per enrollment.
#pragma once

#include <botan/pk_keys.h>
#include <botan/x509cert.h>

#include <memory>

namespace ascep::cms {

/// The public key of `cert`, from a small bounded cache keyed by the
/// certificate's SubjectPublicKeyInfo bytes (equal bytes, equal key: no
/// certificate can smuggle another's key in). Thread-safe. Throws what
/// Botan's X509_Certificate::load_subject_public_key throws.
std::shared_ptr<const Botan::Public_Key> public_key_of(const Botan::X509_Certificate& cert);

} // namespace ascep::cms
