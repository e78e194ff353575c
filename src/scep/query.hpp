// Client requests: make_request builds any pkiMessage a client sends (the
// enrollment state machine uses it too); GetCert and GetCRL (RFC 8894
// §3.3.4) are one request and one CertRep, no polling.
#pragma once

#include "scep/caps.hpp"
#include "scep/cert_rep.hpp"

#include "cms/issuer_and_serial.hpp"

namespace ascep::scep {

struct query_context {
    signing_identity signer; // our key and certificate (-k, -l)
    std::vector<Botan::X509_Certificate> recipients; // the CA/RA encryption certificate
    algorithm_choice algorithms;
    std::string transaction_id;
    std::chrono::system_clock::time_point now;
};

struct query_message {
    bytes body;
    sent_request sent;
};

/// A request of `type` carrying `message_data`, with a fresh senderNonce,
/// and what to check its reply against.
boost::system::result<query_message> make_request(message_type type, bytes message_data, const query_context& ctx,
                                                  Botan::RandomNumberGenerator& rng);

/// GetCert for the certificate `id` names (the CA's name and a serial).
boost::system::result<query_message> make_get_cert(const cms::issuer_and_serial& id, const query_context& ctx,
                                                   Botan::RandomNumberGenerator& rng);

/// GetCRL for the CRL covering the certificate `id` names (usually our own).
boost::system::result<query_message> make_get_crl(const cms::issuer_and_serial& id, const query_context& ctx,
                                                  Botan::RandomNumberGenerator& rng);

/// The certificate `id` names among a SUCCESS reply's certificates.
/// Errors: missing_content.
boost::system::result<Botan::X509_Certificate> requested_certificate(const cert_rep& rep,
                                                                     const cms::issuer_and_serial& id);

/// The CRL of a SUCCESS reply, its signature checked with the CA's key.
/// Errors: missing_content (no CRL), untrusted_signer (not signed by `ca`).
boost::system::result<Botan::X509_CRL> verified_crl(const cert_rep& rep, const Botan::X509_Certificate& ca);

} // namespace ascep::scep
