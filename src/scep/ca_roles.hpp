// Which certificate of a CA's set does what (RFC 8894 §2.2, §3.5.1): the
// set comes from GetCACert or from -c files, in any order, and may hold RA
// certificates (Microsoft NDES), the issuing CA, intermediates and a root.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <botan/x509cert.h>

#include <string>
#include <vector>

namespace ascep::scep {

/// What one certificate of the set was chosen for, and why (getca -v, --json).
struct role_note {
    std::string role;   ///< "issuing CA", "chain", "RA encryption", "RA signing", "RA encryption and signing", "unused"
    std::string reason; ///< one sentence, e.g. "issued the RA certificates"
};

/// The roles of a CA's certificates.
struct ca_roles {
    /// The issuing CA: names the issuer in CertPoll, GetCert and GetCRL, and
    /// checks CRLs.
    Botan::X509_Certificate ca;
    /// Requests are encrypted to it: the RA encryption certificate, else the issuing CA.
    Botan::X509_Certificate encryption;
    /// Replies must be signed by one of these: the RA signing certificates,
    /// then the issuing CA.
    std::vector<Botan::X509_Certificate> signers;
    /// The issuing CA, then each of its issuers found in the set, up to the
    /// root: the chain written beside an issued certificate.
    std::vector<Botan::X509_Certificate> chain;
    /// Every certificate of the set (without repeats). A FAILURE reply signed
    /// by any of them is the CA's word and is reported with its failInfo.
    std::vector<Botan::X509_Certificate> all;
    /// One per certificate of the set given, in its order.
    std::vector<role_note> notes;
};

/// Why no roles could be chosen: `code` is scep::errc::missing_content for an
/// empty set, scep::errc::ambiguous_ca for a set that needs the user to
/// choose; `text` names the certificates and says how to choose.
struct ca_roles_error {
    boost::system::error_code code;
    std::string text;
};

/// For result::value(): a caller that is sure of its set (tests, tools).
[[noreturn]] void throw_exception_from_error(const ca_roles_error& e, const boost::source_location& loc);

/// Chooses roles by what the certificates say (basicConstraints, keyUsage,
/// issuer/subject and key identifier links), never by position, so every
/// order of the same set gives the same answer:
/// - RA certificates are the non-CA ones. Encryption: the RA with
///   keyEncipherment (one that also signs only if no other can encrypt),
///   else one without a keyUsage extension. Signers: the RAs with
///   digitalSignature (or no keyUsage), plus the issuing CA.
/// - The issuing CA issued the RA certificates; without RAs, it is the CA
///   certificate that issued no other CA certificate of the set (the bottom
///   of the chain). Any CA above it is chain only.
/// - A self-signed certificate without basicConstraints counts as a CA (an
///   X.509 v1 root); a set of one certificate is the CA whatever it says.
/// `encryption` (-e), when given, is the encryption certificate, and settles
/// which CA issues when the set alone does not.
/// Errors (ca_roles_error): an empty set; two unrelated bottom CAs; RAs
/// issued by different CAs; several RAs that could encrypt; no CA at all
/// among several certificates.
boost::system::result<ca_roles, ca_roles_error> select_ca_roles(const std::vector<Botan::X509_Certificate>& set,
                                                                const Botan::X509_Certificate* encryption = nullptr);

/// `a` issued `b`: b's issuer is a's subject, and b's authorityKeyIdentifier
/// (when both carry key identifiers) is a's subjectKeyIdentifier. A
/// certificate never counts as issuing itself.
bool issued(const Botan::X509_Certificate& a, const Botan::X509_Certificate& b);

/// The issuers above `leaf` found in `pool`, nearest first, up to a
/// self-signed root or the last one found; each once. Stops where two
/// certificates of the pool could be the issuer (cross-certificates).
std::vector<Botan::X509_Certificate> issuer_chain(const Botan::X509_Certificate& leaf,
                                                  const std::vector<Botan::X509_Certificate>& pool);

} // namespace ascep::scep
