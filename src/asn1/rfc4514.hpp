// Distinguished names as users compare them: RFC 4514 strings, what
// `openssl x509 -nameopt RFC2253` and Go's pkix.Name.String() print, e.g.
// "CN=MDM SCEP SIGNER,O=Example\, Inc.,C=US". Every DN ascep and
// ascep-testca print (getca, inspect, --json, renew, fleet, `list`) goes
// through here, never through Botan's X509_DN::to_string (CN="...",C="...").
#pragma once

#include <botan/pkix_types.h>

#include <cstdint>
#include <span>
#include <string>

namespace ascep::asn1 {

/// The Name (DER of the whole SEQUENCE) as RFC 4514 §2 writes it:
///   - RDNs last to first, separated by ','; the values of a multi-valued
///     RDN joined by '+', also last to first (their DER order reversed, as
///     openssl prints them; RFC 4514 gives it no meaning);
///   - types by their short names (CN, O, OU, C, L, ST, street, DC, UID,
///     emailAddress, serialNumber, ...), other types as dotted OIDs;
///   - string values (UTF8String, PrintableString, IA5String, BMPString,
///     UniversalString, T61String as Latin-1, ...) as UTF-8, with a
///     backslash before  " + , ; < > \  anywhere, before a leading space or
///     '#' and a trailing space (§2.4), and control characters (NUL...,
///     DEL) and bytes of invalid UTF-8 as \XX: nothing else is escaped, so
///     UTF-8 is printed as is (OpenSSL's RFC2253 also escapes it byte by
///     byte, unless -esc_msb is turned off);
///   - an unknown type's value, or a value that is not a string, as '#' and
///     the hex of its DER (§2.4).
/// Throws asn1::decode_failure when `name_der` is not a Name.
std::string rfc4514(std::span<const std::uint8_t> name_der);

/// The same for a DN Botan decoded (it keeps the bytes it read, so
/// multi-valued RDNs and the order survive) or built.
std::string rfc4514(const Botan::X509_DN& dn);

} // namespace ascep::asn1
