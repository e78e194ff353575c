// CMS Attribute ::= SEQUENCE { attrType OID, attrValues SET OF ANY }
#pragma once

#include <botan/asn1_obj.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ascep::cms {

using bytes = std::vector<std::uint8_t>;

struct attribute {
    Botan::OID type;
    /// Each value as one complete DER element (tag, length, contents).
    std::vector<bytes> values;

    /// The only value, or nullopt when there is not exactly one.
    std::optional<bytes> single_value() const;
};

/// One Attribute SEQUENCE, its values a DER SET OF (sorted).
bytes encode_attribute(const attribute& a);

/// The attributes as a DER SET OF Attribute (tag 0x31), sorted as DER
/// requires. This is the byte string a CMS signature covers.
bytes encode_attribute_set(const std::vector<attribute>& attrs);

/// Reads one Attribute. Throws asn1::decode_failure; callers in this layer
/// translate it.
attribute decode_attribute(const Botan::BER_Object& obj);

/// Reads the contents of a SET OF Attribute (the bytes inside the tag).
/// Throws asn1::decode_failure; callers in this layer translate it.
std::vector<attribute> decode_attribute_set_contents(std::span<const std::uint8_t> contents);

const attribute* find_attribute(const std::vector<attribute>& attrs, const Botan::OID& type);

// Values for the attributes CMS and SCEP use.
bytes encode_octet_string(std::span<const std::uint8_t> value);
/// A character string of the given ASN.1 type (PRINTABLE_STRING, UTF8_STRING).
bytes encode_string(const std::string& value, Botan::ASN1_Tag type = Botan::PRINTABLE_STRING);
bytes encode_oid(const Botan::OID& oid);

/// The contents of a single OCTET STRING value; nullopt if it is not one.
std::optional<bytes> decode_octet_string(std::span<const std::uint8_t> der);
/// The text of a PrintableString, UTF8String or IA5String value.
std::optional<std::string> decode_string(std::span<const std::uint8_t> der);

} // namespace ascep::cms
