// DER's SET OF (X.690 §11.6): the components appear in ascending order of
// their encodings. Every SET OF that ascep writes goes through
// encode_der_set_of, whatever its tag, so that no caller depends on which
// Botan 2.19 DER_Encoder calls happen to sort (only start_cons(SET) does;
// start_explicit(0), the [0] IMPLICIT SET OF of PKCS#10 attributes, does
// not). Strict parsers (Python's cryptography, Rust's der) refuse a set out
// of order; OpenSSL and Go let it pass, so their interop does not show it.
#pragma once

#include <botan/asn1_obj.h>

#include <cstdint>
#include <span>
#include <vector>

namespace ascep::asn1 {

using bytes = std::vector<std::uint8_t>;

/// X.690 §11.6's order of two component encodings: compared octet by octet,
/// the shorter one padded at its end with zero octets. So a proper prefix
/// sorts first, unless all that the longer one adds is zeros: then the two
/// are equal and neither is less.
bool der_set_less(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

/// Whether `components` (complete encodings, in the order they appear) are
/// in DER SET OF order; equal neighbours are in order.
bool in_der_set_order(std::span<const bytes> components);

/// A DER SET OF holding `components`, each one complete encoding: sorted
/// (stable, so equal components keep their order), then wrapped as one
/// constructed element tagged `tag` of class `cls`: the universal SET
/// (0x31) by default, or an IMPLICIT tag such as [0] (0xA0) for PKCS#10
/// attributes.
bytes encode_der_set_of(std::vector<bytes> components, Botan::ASN1_Tag tag = Botan::SET,
                        Botan::ASN1_Tag cls = Botan::UNIVERSAL);

} // namespace ascep::asn1
