// The messageData a client puts in the envelope of each request type
// (RFC 8894 §3.3): a CSR for PKCSReq/RenewalReq, IssuerAndSubject for
// CertPoll, IssuerAndSerialNumber for GetCert and GetCRL.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ascep::scep {

/// IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name }, from the
/// two Names as DER (the CA's subject, and the subject of our request).
std::vector<std::uint8_t> encode_issuer_and_subject(std::span<const std::uint8_t> issuer_der,
                                                    std::span<const std::uint8_t> subject_der);

} // namespace ascep::scep
