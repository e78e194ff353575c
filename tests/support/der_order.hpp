// Finds the SET OFs of a DER structure whose components are not in DER
// order (X.690 §11.6), with the checker the encoder's tests use
// (asn1::in_der_set_order): what strict parsers such as Python's
// cryptography refuse, for the structures no strict parser at hand reads
// (CMS signed attributes, whole pkiMessages).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ascep::test {

/// The identifier octet of the universal SET.
inline constexpr std::uint8_t set_tag = 0x31;

/// Walks `der` (one element) at every depth and returns the path of each
/// element whose identifier octet is in `set_tags` and whose components are
/// out of DER order: child indexes from the top, "0.3" for the fourth child
/// of the first. Primitive contents (an OCTET STRING holding DER) are not
/// entered: pass them on their own. Add 0xA0 to `set_tags` for a structure
/// whose [0] is an IMPLICIT SET OF (PKCS#10 attributes). Throws
/// asn1::decode_failure when `der` does not decode.
std::vector<std::string> unsorted_sets(std::span<const std::uint8_t> der,
                                       const std::vector<std::uint8_t>& set_tags = {set_tag});

} // namespace ascep::test
