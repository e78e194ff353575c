// ascep::scep errors: a SCEP message that is well-formed CMS but not the
// SCEP message it must be. CMS-level failures keep their cms::errc.
#pragma once

#include <boost/system/error_code.hpp>

namespace ascep::scep {

enum class errc {
    /// A signed SCEP attribute is missing or has the wrong encoding.
    missing_attribute = 1,
    /// messageType is not a number we know, or not the one expected here.
    unexpected_message_type,
    /// pkiStatus or failInfo holds a value outside RFC 8894.
    bad_attribute_value,
    /// The SignedData does not have exactly one signer.
    signer_count,
    /// The reply's transactionID differs from the request's.
    transaction_id_mismatch,
    /// The reply's recipientNonce is not the request's senderNonce.
    recipient_nonce_mismatch,
    /// No trusted CA/RA certificate is the signer of the reply.
    untrusted_signer,
    /// A SUCCESS reply carries no pkcsPKIEnvelope, or it holds no certificate or CRL.
    missing_content,
    /// The issued certificate does not carry our public key.
    wrong_public_key,
    /// GetCACaps text or a CSR that cannot be used.
    bad_input,
    /// A CA's certificate set leaves the issuing CA or the encryption
    /// certificate open (two unrelated CAs, several RA encryption certificates).
    ambiguous_ca,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

} // namespace ascep::scep

template <>
struct boost::system::is_error_code_enum<ascep::scep::errc> : std::true_type {};
