// The CA's side of a pkiMessage request (RFC 8894 §3.3): the checks the
// client makes of a CertRep, made the other way round. The test CA uses it
// before its policy runs; make_cert_rep (cert_rep.hpp) builds the answer.
#pragma once

#include "scep/pki_message.hpp"

#include <boost/system/result.hpp>

#include <optional>

namespace ascep::scep {

/// The key and certificate requests are encrypted to: the CA's own, or the
/// RA encryption certificate's (NDES). `fallback` (may be null) is tried when
/// the first does not open the envelope: a client that encrypted to the CA
/// although an RA is configured.
struct request_keys {
    signing_identity decrypt;
    const signing_identity* fallback = nullptr;
};

struct checked_request {
    incoming_message message;
    /// The certificate that signed the request, as carried in it: self-signed
    /// for a PKCSReq, the old certificate for a RenewalReq. The reply is
    /// encrypted to it. Whether the CA trusts it is the CA's policy.
    Botan::X509_Certificate signer;
    /// The decrypted messageData; empty when `refusal` is set.
    bytes message_data;
    /// Set when the request can be answered with a CertRep but only with
    /// FAILURE: `refusal` is the failInfo, `error` why.
    std::optional<fail_info> refusal;
    boost::system::error_code error;
};

/// Parses and checks a request: one signer, whose certificate is carried and
/// whose signature verifies, a messageType a CA serves, an envelope that
/// decrypts with `keys`.
///
/// Errors (no CertRep can be addressed; the caller answers HTTP 400): cms
/// errors for a body that is not a SignedData; scep::errc::signer_count;
/// missing_attribute (transactionID, messageType or senderNonce missing);
/// untrusted_signer (the signer's certificate is not in the message, so no
/// reply can be encrypted to it).
///
/// Refusals (a value, with a FAILURE to send): a bad signature or an
/// envelope that does not open → badMessageCheck; a messageType unknown or
/// not a request (CertRep) → badRequest.
boost::system::result<checked_request> check_request(std::span<const std::uint8_t> der, const request_keys& keys);

/// True for the message types a client sends to a CA.
bool is_request_type(message_type t);

} // namespace ascep::scep
