// An X.509 v3 certificate signed through a private-key operation: what the
// client's self-signed certificate and the test CA's certificates share.
// Botan 2.19's X509_CA wants a PK_Signer (a fresh RSA blinder each time);
// this signs through the key's one shared operation instead.
#pragma once

#include "cms/private_key_ops.hpp"

#include <botan/bigint.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace ascep::scep {

struct certificate_fields {
    Botan::BigInt serial;
    Botan::X509_DN issuer;
    Botan::X509_DN subject;
    std::chrono::system_clock::time_point not_before;
    std::chrono::system_clock::time_point not_after;
    /// The subject's SubjectPublicKeyInfo, DER.
    std::vector<std::uint8_t> subject_public_key;
    Botan::Extensions extensions;
};

/// The TBSCertificate as Botan 2.19's X509_CA::make_cert writes it (v3,
/// serial, sha256WithRSAEncryption, issuer, validity, subject, key, [3]
/// extensions), signed by `signer`. Throws only on an unusable key (a bug
/// at the caller): boost::system::system_error.
Botan::X509_Certificate sign_certificate(const cms::private_key_ops& signer, const certificate_fields& f);

} // namespace ascep::scep
