// The PKCS#10 request a SCEP client sends (RFC 8894 §3.3.1): subject,
// subjectAltNames, challengePassword. Shared by `ascep mkrequest` and fleet
// mode so both build the same request from the same text.
#pragma once

#include "cms/attribute.hpp"
#include "cms/private_key_ops.hpp"

#include <botan/pkix_types.h>
#include <botan/x509_ext.h>

#include <cstdint>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::scep {

/// One attribute of a subject written as text ("CN" = "gw1").
struct dn_attribute {
    std::string type;
    std::string value;
    friend bool operator==(const dn_attribute&, const dn_attribute&) = default;
};

/// Parses "CN=a,O=b\, Inc." into {CN,a} {O,"b, Inc."}: ',' separates, a
/// backslash escapes the next character, blanks around types and values go.
/// Returns nullopt and sets `why` (one phrase) when the text is malformed.
std::optional<std::vector<dn_attribute>> parse_dn_text(std::string_view text, std::string& why);

/// Builds the DN. Types are Botan's names or their short forms (CN, O, OU, C,
/// ST, L, emailAddress, serialNumber, ...). nullopt and `why` for an unknown
/// type or an empty list.
std::optional<Botan::X509_DN> make_dn(const std::vector<dn_attribute>& attributes, std::string& why);

struct csr_fields {
    Botan::X509_DN subject;
    std::vector<std::string> dns;
    std::vector<std::string> ip; ///< IPv4 only: Botan 2 encodes no other in subjectAltName
    std::vector<std::string> email;
    std::string challenge; ///< challengePassword; empty = none
};

/// Why `fields` cannot be encoded (an IP that is not IPv4), or nullopt.
std::optional<std::string> check_csr_fields(const csr_fields& fields);

/// What the request asks for: subjectAltName (when there are names) and
/// keyUsage digitalSignature + keyEncipherment.
Botan::Extensions csr_extensions(const csr_fields& fields);

/// The DER request, signed with SHA-256 through `key`'s shared private
/// operation, with keyUsage digitalSignature + keyEncipherment and the
/// subjectAltNames: the bytes Botan's PKCS10_Request::create writes, without
/// its second private operation and its re-parse, and with the attributes
/// in DER order (Botan writes challengePassword first, which is DER only
/// while it encodes shorter than the extensionRequest). Call
/// check_csr_fields first: a field it rejects makes this throw (so does a
/// key that cannot sign: boost::system::system_error).
std::vector<std::uint8_t> make_csr(const cms::private_key_ops& key, const csr_fields& fields);

/// What a client needs of a PKCS#10 request, read without loading its key
/// (Botan's PKCS10_Request loads it to check the signature, and again for
/// every subject_public_key()).
struct csr_summary {
    /// As sent. PKCS#10 defines only 0 (v1), but iOS devices send 2: see
    /// read_csr and csr_version_warning.
    std::uint32_t version = 0;
    Botan::X509_DN subject;
    Botan::OID key_algorithm;                            ///< of the SubjectPublicKeyInfo
    std::vector<std::uint8_t> public_key_bits;           ///< subjectPublicKey, as Public_Key::public_key_bits()
    std::vector<std::uint8_t> subject_public_key_info;   ///< the whole DER, for Botan::X509::load_key
    std::vector<cms::attribute> attributes;              ///< challengePassword, extensionRequest, ...
    std::vector<std::uint8_t> signed_bytes;              ///< the CertificationRequestInfo DER
    Botan::OID signature_algorithm;
    std::vector<std::uint8_t> signature;
};

/// The highest version read_csr accepts. 0 is the only one PKCS#10 (RFC
/// 2986) defines; iOS devices send 2 (X.509's number for v3), and OpenSSL,
/// Go and the CAs that serve iPhones take it. Nothing in the field sends
/// more, so a larger value says the bytes are something else.
inline constexpr std::uint32_t max_csr_version = 2;

/// Reads a DER request (asn1::check_limits first). nullopt when it is not a
/// PKCS#10 request: the structure is wrong, an attribute does not decode,
/// or the version is negative or above max_csr_version. The signature is
/// not checked: see csr_signed_by and csr_signature_verifies.
std::optional<csr_summary> read_csr(std::span<const std::uint8_t> der);

/// What to tell the user about a request whose version is not 0 (one line,
/// no program name); nullopt for a version-0 request.
std::optional<std::string> csr_version_warning(const csr_summary& csr);

/// The extensions the request asks for in its extensionRequest attribute:
/// empty when it has none, nullopt when the attribute does not decode.
std::optional<Botan::Extensions> requested_extensions(const csr_summary& csr);

/// The request's challengePassword (a DirectoryString): empty when it has
/// none, nullopt when the attribute does not decode.
std::optional<std::string> challenge_password(const csr_summary& csr);

/// Whether `csr` carries `key`'s public key (same algorithm and key bits).
bool csr_is_for(const csr_summary& csr, const Botan::Public_Key& key);

/// Whether `csr` is for `key` (same algorithm and key bits) and its
/// PKCS#1 v1.5 signature verifies with `key`, which is then the request's
/// own key: no key is loaded. nullopt when the signature algorithm is not
/// PKCS#1 v1.5 with a digest we know (RSA-PSS...): ask Botan then.
std::optional<bool> csr_signed_by(const csr_summary& csr, const Botan::Public_Key& key);

/// Whether the request `der`'s signature verifies with `key`, for every
/// scheme Botan verifies in certificates (PKCS#1 v1.5, RSA-PSS, ECDSA...)
/// and whatever the request's version (Botan's PKCS10_Request refuses any
/// but 0). false when `der` is not a signed object or does not verify.
bool csr_signature_verifies(std::span<const std::uint8_t> der, const Botan::Public_Key& key);

} // namespace ascep::scep
