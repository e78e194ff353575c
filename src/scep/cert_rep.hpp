// CertRep (RFC 8894 §3.3.2): the CA's reply to every pkiMessage.
// check_cert_rep is the client's strict check of a reply; make_cert_rep is
// the test CA's builder. Both sit on pki_message.
#pragma once

#include "scep/pki_message.hpp"

#include <botan/x509_crl.h>

namespace ascep::scep {

/// What the client remembers of the request a reply answers.
struct sent_request {
    message_type type = message_type::pkcs_req;
    std::string transaction_id;
    bytes sender_nonce;
};

/// The certificates and key a reply is checked and opened with.
struct reply_keys {
    /// CA/RA certificates allowed to sign replies (NDES signs with its RA certificate).
    std::span<const Botan::X509_Certificate> trusted_signers;
    /// Our key and the certificate the request was signed with; the reply is encrypted to it.
    const cms::private_key_ops& key;
    const Botan::X509_Certificate& cert;
    /// The CA's other certificates (root, intermediates, RA encryption): a
    /// reply signed by one of them is believed only when it is a FAILURE, so
    /// that the user learns why the CA refused.
    std::span<const Botan::X509_Certificate> failure_signers{};
};

struct cert_rep {
    message_header header;
    pki_status status = pki_status::failure;
    /// From the decrypted degenerate SignedData of a SUCCESS reply.
    std::vector<Botan::X509_Certificate> certificates;
    std::vector<Botan::X509_CRL> crls;
};

/// Checks a reply strictly: signed by a trusted CA/RA certificate (or a
/// FAILURE signed by one of `failure_signers`), a CertRep,
/// our transactionID, recipientNonce equal to our senderNonce, a known
/// pkiStatus; on SUCCESS decrypts it and reads the certificates and CRLs.
/// Errors: any cms error, or scep::errc (untrusted_signer,
/// unexpected_message_type, transaction_id_mismatch, recipient_nonce_mismatch,
/// missing_attribute, missing_content).
boost::system::result<cert_rep> check_cert_rep(std::span<const std::uint8_t> der, const sent_request& request,
                                               const reply_keys& keys);

/// The certificate in a SUCCESS reply that carries `public_key`.
/// Errors: missing_content (no certificate at all), wrong_public_key.
boost::system::result<Botan::X509_Certificate> issued_certificate(const cert_rep& rep,
                                                                  const Botan::Public_Key& public_key);

/// What a CA answers.
struct reply_content {
    pki_status status = pki_status::success;
    std::optional<scep::fail_info> fail_info;
    std::optional<std::string> fail_info_text;
    /// For SUCCESS: sent in a degenerate SignedData inside the envelope.
    std::vector<Botan::X509_Certificate> certificates;
    std::vector<Botan::X509_CRL> crls;
};

/// Builds the CertRep answering `request`: same transactionID, the request's
/// senderNonce as recipientNonce, `sender_nonce` fresh, the request's digest
/// and the given cipher, encrypted to `requester` (the request's signer).
boost::system::result<bytes> make_cert_rep(const incoming_message& request, const Botan::X509_Certificate& requester,
                                           const reply_content& content, const signing_identity& signer,
                                           const bytes& sender_nonce, asn1::cipher_algorithm cipher,
                                           std::chrono::system_clock::time_point now,
                                           Botan::RandomNumberGenerator& rng);

} // namespace ascep::scep
