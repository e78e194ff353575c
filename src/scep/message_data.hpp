// The messageData a client puts in the envelope of each request type
// (RFC 8894 §3.3): a CSR for PKCSReq/RenewalReq, IssuerAndSubject for
// CertPoll, IssuerAndSerialNumber for GetCert and GetCRL.
#pragma once

#include "cms/issuer_and_serial.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace ascep::scep {

/// IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name }, from the
/// two Names as DER (the CA's subject, and the subject of our request).
std::vector<std::uint8_t> encode_issuer_and_subject(std::span<const std::uint8_t> issuer_der,
                                                    std::span<const std::uint8_t> subject_der);

/// The two Names of an IssuerAndSubject, each as its DER SEQUENCE.
struct issuer_and_subject {
    std::vector<std::uint8_t> issuer;
    std::vector<std::uint8_t> subject;
};

// The CA's side: reading what a client sent. Errors: cms::errc::malformed.

/// CertPoll's messageData.
boost::system::result<issuer_and_subject> parse_issuer_and_subject(std::span<const std::uint8_t> der);
/// GetCert's and GetCRL's messageData.
boost::system::result<cms::issuer_and_serial> parse_issuer_and_serial(std::span<const std::uint8_t> der);

} // namespace ascep::scep
