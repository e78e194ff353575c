#include "cms/content_info.hpp"

#include "asn1/ber.hpp"

#include <botan/der_enc.h>

namespace ascep::cms {

std::vector<std::uint8_t> wrap_content_info(const Botan::OID& type, std::span<const std::uint8_t> content_der)
{
    std::vector<std::uint8_t> out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SEQUENCE)
        .encode(type)
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
        .raw_bytes(content_der.data(), content_der.size())
        .end_cons()
        .end_cons();
    return out;
}

content_info read_content_info(std::span<const std::uint8_t> input)
{
    if (input.size() > max_input_size)
        asn1::fail("PKCS#7 input is larger than the limit", asn1::errc::too_large);
    const auto outer = asn1::read_single(input);
    if (!asn1::is_sequence(outer))
        asn1::fail("ContentInfo is not a SEQUENCE");
    auto fields = asn1::children(outer);
    if (fields.empty() || fields.size() > 2)
        asn1::fail("ContentInfo has the wrong number of fields");
    content_info out;
    out.content_type = asn1::to_oid(fields[0]);
    if (fields.size() == 2) {
        if (!fields[1].is_a(0, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED)))
            asn1::fail("ContentInfo content is not [0] EXPLICIT");
        auto inner = asn1::children(fields[1]);
        if (inner.size() != 1)
            asn1::fail("ContentInfo [0] must hold exactly one element");
        out.content = std::move(inner[0]);
    }
    return out;
}

} // namespace ascep::cms
