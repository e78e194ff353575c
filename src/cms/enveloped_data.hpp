// CMS EnvelopedData (RFC 5652 §6) with RSA key transport recipients:
// SCEP's pkcsPKIEnvelope. Build with PKCS#1 v1.5 key transport; decrypt
// PKCS#1 v1.5 or RSAES-OAEP.
#pragma once

#include "asn1/algorithms.hpp"
#include "cms/certificate_id.hpp"
#include "cms/private_key_ops.hpp"

#include <boost/system/result.hpp>
#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ascep::cms {

struct key_trans_recipient {
    certificate_id rid;
    /// Botan EME name: "EME-PKCS1-v1_5" or "OAEP(SHA-256,MGF1(SHA-1))".
    std::string key_transport;
    std::vector<std::uint8_t> encrypted_key;
};

struct enveloped_data {
    std::size_t version = 0;
    std::vector<key_trans_recipient> recipients;
    Botan::OID content_type;
    asn1::cipher_algorithm cipher = asn1::cipher_algorithm::aes128_cbc;
    std::vector<std::uint8_t> iv;
    std::vector<std::uint8_t> encrypted_content;
};

/// Parses a ContentInfo holding EnvelopedData. Recipients of kinds other than
/// KeyTransRecipientInfo are skipped. Errors: malformed, too_large, too_deep,
/// wrong_content_type, unsupported_algorithm.
boost::system::result<enveloped_data> parse_enveloped_data(std::span<const std::uint8_t> content_info_der);

/// Decrypts with our private key: the recipient naming `cert` (issuer and
/// serial, or subject key identifier) first, then every other one.
/// Errors: no_matching_recipient (no recipient decrypts), decryption_failed
/// (the content does not decrypt), invalid_key (not RSA).
boost::system::result<std::vector<std::uint8_t>> decrypt(const enveloped_data& env, const private_key_ops& key,
                                                         const Botan::X509_Certificate& cert);

/// As above for a one-off use: makes a private operation for this call only.
boost::system::result<std::vector<std::uint8_t>> decrypt(const enveloped_data& env, const Botan::Private_Key& key,
                                                         const Botan::X509_Certificate& cert);

/// Encrypts `content` (of type id-data) for each recipient certificate with
/// RSA PKCS#1 v1.5 key transport; returns the DER ContentInfo(EnvelopedData).
/// Errors: invalid_key (a recipient's key is not RSA), unsupported_algorithm.
boost::system::result<std::vector<std::uint8_t>> make_enveloped_data(
    std::span<const std::uint8_t> content, const std::vector<Botan::X509_Certificate>& recipients,
    asn1::cipher_algorithm cipher, Botan::RandomNumberGenerator& rng);

} // namespace ascep::cms
