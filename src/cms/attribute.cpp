#include "cms/attribute.hpp"

#include "asn1/ber.hpp"
#include "asn1/der_set.hpp"

#include <botan/asn1_obj.h>
#include <botan/der_enc.h>

namespace ascep::cms {

std::optional<bytes> attribute::single_value() const
{
    if (values.size() != 1)
        return std::nullopt;
    return values.front();
}

bytes encode_attribute(const attribute& a)
{
    bytes out;
    Botan::DER_Encoder(out)
        .start_cons(Botan::SEQUENCE)
        .encode(a.type)
        .raw_bytes(asn1::encode_der_set_of(a.values))
        .end_cons();
    return out;
}

bytes encode_attribute_set(const std::vector<attribute>& attrs)
{
    // DER order matters twice here: strict parsers refuse anything else, and
    // the signature covers these bytes, which a verifier may re-encode.
    std::vector<bytes> encoded;
    encoded.reserve(attrs.size());
    for (const attribute& a : attrs)
        encoded.push_back(encode_attribute(a));
    return asn1::encode_der_set_of(std::move(encoded));
}

attribute decode_attribute(const Botan::BER_Object& obj)
{
    if (!asn1::is_sequence(obj))
        asn1::fail("Attribute is not a SEQUENCE");
    auto fields = asn1::children(obj);
    if (fields.size() != 2 || !fields[1].is_a(Botan::SET, Botan::CONSTRUCTED))
        asn1::fail("Attribute must be { OID, SET OF value }");
    attribute a;
    a.type = asn1::to_oid(fields[0]);
    for (const auto& v : asn1::children(fields[1]))
        a.values.push_back(asn1::encode_tlv(v));
    return a;
}

std::vector<attribute> decode_attribute_set_contents(std::span<const std::uint8_t> contents)
{
    std::vector<attribute> out;
    Botan::BER_Decoder dec(contents.data(), contents.size());
    for (auto obj = dec.get_next_object(); obj.is_set(); obj = dec.get_next_object())
        out.push_back(decode_attribute(obj));
    return out;
}

const attribute* find_attribute(const std::vector<attribute>& attrs, const Botan::OID& type)
{
    for (const attribute& a : attrs)
        if (a.type == type)
            return &a;
    return nullptr;
}

bytes encode_octet_string(std::span<const std::uint8_t> value)
{
    return asn1::encode_tlv(Botan::OCTET_STRING, Botan::UNIVERSAL, value);
}

bytes encode_string(const std::string& value, Botan::ASN1_Tag type)
{
    bytes out;
    Botan::DER_Encoder enc(out);
    enc.encode(Botan::ASN1_String(value, type));
    return out;
}

bytes encode_oid(const Botan::OID& oid)
{
    bytes out;
    Botan::DER_Encoder enc(out);
    enc.encode(oid);
    return out;
}

std::optional<bytes> decode_octet_string(std::span<const std::uint8_t> der)
{
    try {
        const auto obj = asn1::read_single(der);
        if (!asn1::is_universal(obj, Botan::OCTET_STRING))
            return std::nullopt;
        return asn1::octets(obj);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::string> decode_string(std::span<const std::uint8_t> der)
{
    try {
        const auto obj = asn1::read_single(der);
        return asn1::decode_as<Botan::ASN1_String>(obj).value();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace ascep::cms
