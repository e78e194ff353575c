// Helpers for reading BER/DER with Botan 2.19 without tripping its bugs.
//
// Botan's sub-decoders (BER_Decoder::start_cons) misread an indefinite-length
// element that is not the first of its parent ("BER: Value truncated"). So we
// never decode through start_cons: each constructed value is taken whole with
// get_next_object() and its children are read by a fresh decoder over its
// bytes (children()). These helpers throw decode_failure; the layer that calls
// them (cms/) catches at its edge and returns an error code.
#pragma once

#include "asn1/error.hpp"

#include <botan/asn1_obj.h>
#include <botan/ber_dec.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace ascep::asn1 {

using bytes = std::vector<std::uint8_t>;

/// How much nested constructed OCTET STRING (BER "chunked" content) we follow.
inline constexpr std::size_t max_octet_string_depth = 8;

/// How deep constructed elements may nest in one input. Real SCEP and CMS
/// messages nest about 10 deep (a certificate inside SignedData); what lies
/// inside a primitive OCTET STRING is checked again when it is decoded.
/// Nothing here recurses per level, so this bounds work, not the stack.
inline constexpr std::size_t max_nesting_depth = 64;

/// How many indefinite-length elements one input may hold. Botan 2.19 finds
/// the end of each by copying and rescanning the rest of its input, so every
/// one costs up to the input's size (an input of nothing else takes minutes
/// per megabyte). openssl -stream writes 6 in a signed and enveloped message.
inline constexpr std::size_t max_indefinite_lengths = 32;

/// Thrown by the helpers below; carries the error code the layer returns.
class decode_failure : public std::runtime_error {
public:
    decode_failure(errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
    errc code() const noexcept { return code_; }

private:
    errc code_;
};

[[noreturn]] void fail(const std::string& what, errc code = errc::malformed);

/// Walks the BER structure of `input` (a series of elements) without
/// recursion, in time linear in its size, before any Botan decoder sees it.
/// Throws decode_failure: too_deep when constructed elements nest deeper than
/// max_nesting_depth, too_large with more than max_indefinite_lengths
/// indefinite lengths, malformed when a tag or length is broken or an element
/// overruns its parent or the input. Does not descend into primitive values.
void check_limits(std::span<const std::uint8_t> input);

/// Reads the single element that must fill `input` (no trailing bytes),
/// after check_limits.
Botan::BER_Object read_single(std::span<const std::uint8_t> input);

/// The children of a constructed element, in order (end-of-contents markers dropped).
std::vector<Botan::BER_Object> children(const Botan::BER_Object& constructed);

/// Throws unless `obj` has exactly this tag; `what` names it in the message.
void expect(const Botan::BER_Object& obj, Botan::ASN1_Tag type, Botan::ASN1_Tag cls, const char* what);

bool is_universal(const Botan::BER_Object& obj, Botan::ASN1_Tag type);
bool is_sequence(const Botan::BER_Object& obj);
/// True for a [n] context-specific element, primitive or constructed.
bool is_context(const Botan::BER_Object& obj, unsigned n);

/// The contents of an OCTET STRING (or of an implicitly tagged one),
/// reassembling the constructed form that streaming encoders write.
bytes octets(const Botan::BER_Object& obj, std::size_t depth = 0);

/// The element re-encoded as one TLV with a definite length: the original
/// bytes for any definite-length DER input.
bytes encode_tlv(const Botan::BER_Object& obj);
bytes encode_tlv(Botan::ASN1_Tag type, Botan::ASN1_Tag cls, std::span<const std::uint8_t> contents);

/// The contents bytes of an element.
bytes contents(const Botan::BER_Object& obj);

/// Decodes a Botan ASN1 type (OID, BigInt, X509_DN, AlgorithmIdentifier...) from one element.
template <typename T>
T decode_as(const Botan::BER_Object& obj)
{
    T value;
    Botan::BER_Decoder dec(encode_tlv(obj));
    dec.decode(value).verify_end();
    return value;
}

Botan::OID to_oid(const Botan::BER_Object& obj);
/// A small non-negative INTEGER such as a CMS version.
std::size_t to_small_int(const Botan::BER_Object& obj);

/// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
struct algorithm_id {
    Botan::OID oid;
    std::optional<Botan::BER_Object> parameters; // absent, or NULL, or anything
};
algorithm_id to_algorithm_id(const Botan::BER_Object& obj);

} // namespace ascep::asn1
