// The PKCS#10 request a SCEP client sends (RFC 8894 §3.3.1): subject,
// subjectAltNames, challengePassword. Shared by `ascep mkrequest` and fleet
// mode so both build the same request from the same text.
#pragma once

#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/pkix_types.h>
#include <botan/rng.h>

#include <optional>
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

/// The request, signed with SHA-256 by `key`, with keyUsage digitalSignature
/// + keyEncipherment and the subjectAltNames. Call check_csr_fields first:
/// a field it rejects makes this throw.
Botan::PKCS10_Request make_csr(const Botan::Private_Key& key, const csr_fields& fields,
                               Botan::RandomNumberGenerator& rng);

} // namespace ascep::scep
