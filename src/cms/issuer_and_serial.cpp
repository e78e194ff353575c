#include "cms/issuer_and_serial.hpp"

#include "asn1/ber.hpp"

namespace ascep::cms {

issuer_and_serial issuer_and_serial::of(const Botan::X509_Certificate& cert)
{
    return {cert.raw_issuer_dn(), Botan::BigInt(cert.serial_number())};
}

bool issuer_and_serial::matches(const Botan::X509_Certificate& cert) const
{
    return issuer == cert.raw_issuer_dn() && serial == Botan::BigInt(cert.serial_number());
}

void issuer_and_serial::encode_into(Botan::DER_Encoder& enc) const
{
    enc.start_cons(Botan::SEQUENCE).raw_bytes(issuer).encode(serial).end_cons();
}

issuer_and_serial issuer_and_serial::decode_from(const Botan::BER_Object& seq)
{
    if (!asn1::is_sequence(seq))
        asn1::fail("IssuerAndSerialNumber is not a SEQUENCE");
    auto fields = asn1::children(seq);
    if (fields.size() != 2 || !asn1::is_sequence(fields[0]))
        asn1::fail("IssuerAndSerialNumber must be { Name, INTEGER }");
    asn1::expect(fields[1], Botan::INTEGER, Botan::UNIVERSAL, "serialNumber");
    return {asn1::encode_tlv(fields[0]), asn1::decode_as<Botan::BigInt>(fields[1])};
}

std::vector<std::uint8_t> issuer_and_serial::encode() const
{
    std::vector<std::uint8_t> out;
    Botan::DER_Encoder enc(out);
    encode_into(enc);
    return out;
}

} // namespace ascep::cms
