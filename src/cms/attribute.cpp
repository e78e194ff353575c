#include "cms/attribute.hpp"

#include "asn1/ber.hpp"

#include <botan/asn1_obj.h>
#include <botan/der_enc.h>

namespace ascep::cms {

std::optional<bytes> attribute::single_value() const
{
    if (values.size() != 1)
        return std::nullopt;
    return values.front();
}

bytes encode_attribute_set(const std::vector<attribute>& attrs)
{
    // start_cons(SET) is the one place Botan 2.19 sorts its children, which
    // DER demands for a SET OF and which the signature depends on.
    bytes out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SET);
    for (const attribute& a : attrs) {
        enc.start_cons(Botan::SEQUENCE).encode(a.type).start_cons(Botan::SET);
        for (const bytes& v : a.values)
            enc.raw_bytes(v);
        enc.end_cons().end_cons();
    }
    enc.end_cons();
    return out;
}

std::vector<attribute> decode_attribute_set_contents(std::span<const std::uint8_t> contents)
{
    std::vector<attribute> out;
    Botan::BER_Decoder dec(contents.data(), contents.size());
    for (auto obj = dec.get_next_object(); obj.is_set(); obj = dec.get_next_object()) {
        if (!asn1::is_sequence(obj))
            asn1::fail("Attribute is not a SEQUENCE");
        auto fields = asn1::children(obj);
        if (fields.size() != 2 || !fields[1].is_a(Botan::SET, Botan::CONSTRUCTED))
            asn1::fail("Attribute must be { OID, SET OF value }");
        attribute a;
        a.type = asn1::to_oid(fields[0]);
        for (const auto& v : asn1::children(fields[1]))
            a.values.push_back(asn1::encode_tlv(v));
        out.push_back(std::move(a));
    }
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
