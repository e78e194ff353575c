// Throwaway RSA keys and certificates for tests. Keys are generated once per
// process and shared: RSA key generation costs more than the tests themselves.
#pragma once

#include <botan/auto_rng.h>
#include <botan/rsa.h>
#include <botan/x509cert.h>

#include <memory>
#include <string>

namespace ascep::test {

struct identity {
    std::shared_ptr<Botan::RSA_PrivateKey> key;
    Botan::X509_Certificate cert;
};

Botan::RandomNumberGenerator& rng();

/// A self-signed identity with the given common name; `slot` picks one of a
/// few cached keys so that different identities have different keys.
identity self_signed(const std::string& common_name, int slot = 0);

/// A certificate for `subject_key` issued by `issuer`, with or without a
/// subjectKeyIdentifier extension.
Botan::X509_Certificate issue(const identity& issuer, const Botan::Public_Key& subject_key,
                              const std::string& common_name, bool with_key_id = true);

/// An intermediate CA under `issuer` (basicConstraints CA, keyCertSign,
/// cRLSign, digitalSignature, keyEncipherment; key identifiers), keyed from `slot`.
identity issue_ca(const identity& issuer, int slot, const std::string& common_name);

/// A non-CA (RA) certificate issued by `issuer` with exactly `usage`
/// (Botan::NO_CONSTRAINTS: no keyUsage extension), keyed from `slot`.
Botan::X509_Certificate issue_ra(const identity& issuer, int slot, Botan::Key_Constraints usage,
                                 const std::string& common_name);

/// A fresh RSA key of `bits` bits, shared per (slot, bits).
std::shared_ptr<Botan::RSA_PrivateKey> cached_key(int slot, std::size_t bits = 2048);

} // namespace ascep::test
