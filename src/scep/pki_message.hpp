// A SCEP pkiMessage (RFC 8894 §3.2): SignedData, signed with the SCEP
// attributes, around an EnvelopedData (pkcsPKIEnvelope) holding the
// message data. Used by the client for requests and by the test CA for
// replies: both directions share this code.
#pragma once

#include "asn1/algorithms.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/signed_data.hpp"
#include "scep/message_header.hpp"

#include <boost/system/result.hpp>
#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/x509cert.h>

#include <chrono>
#include <optional>
#include <span>
#include <vector>

namespace ascep::scep {

struct outgoing_message {
    message_header header;
    /// The message data to encrypt into the pkcsPKIEnvelope; nullopt for a
    /// CertRep with PENDING or FAILURE, which carries none.
    std::optional<bytes> message_data;
    /// Who can decrypt the envelope: the CA or RA encryption certificate for
    /// a request, the requester's signing certificate for a reply.
    std::vector<Botan::X509_Certificate> recipients;
    asn1::cipher_algorithm cipher = asn1::cipher_algorithm::aes128_cbc;
    asn1::digest_algorithm digest = asn1::digest_algorithm::sha256;
    /// Carried in the SignedData; SCEP requires the signer's own certificate.
    std::vector<Botan::X509_Certificate> certificates;
    /// Becomes signingTime; passed in because scep reads no clock.
    std::chrono::system_clock::time_point now;
};

/// A private key with the certificate that names it: what signs a message
/// (and opens the envelopes addressed to that certificate).
struct signing_identity {
    const cms::private_key_ops& key;
    const Botan::X509_Certificate& cert;
};

/// Builds the DER pkiMessage. Errors: cms::errc::invalid_key and friends.
boost::system::result<bytes> make_pki_message(const outgoing_message& msg, const signing_identity& signer,
                                              Botan::RandomNumberGenerator& rng);

struct incoming_message {
    cms::signed_data signed_data;
    message_header header;
    /// The pkcsPKIEnvelope, parsed but not decrypted; nullopt when the
    /// SignedData carries no (or empty) content.
    std::optional<cms::enveloped_data> envelope;
    /// False only from parse_pki_message(der, true) when the messageType
    /// number is not one RFC 8894 defines; header.type then means nothing.
    bool known_type = true;

    const cms::signer_info& signer() const { return signed_data.signers.front(); }
};

/// Parses a pkiMessage without checking its signature.
/// Errors: cms errors for the CMS layers; scep::errc::signer_count,
/// missing_attribute, unexpected_message_type, bad_attribute_value.
boost::system::result<incoming_message> parse_pki_message(std::span<const std::uint8_t> der);

/// As above; with `accept_unknown_type` an unknown messageType number is
/// reported in known_type instead of failing (the CA answers it badRequest).
boost::system::result<incoming_message> parse_pki_message(std::span<const std::uint8_t> der,
                                                          bool accept_unknown_type);

/// Verifies the signature with whichever of `trusted` the SignerInfo names.
/// Errors: untrusted_signer when none of them is the signer; otherwise the
/// cms verification error (bad_signature, digest_mismatch, ...).
boost::system::error_code verify_signature(const incoming_message& msg,
                                           std::span<const Botan::X509_Certificate> trusted);

} // namespace ascep::scep
