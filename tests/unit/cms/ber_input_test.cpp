// BER input as streaming encoders write it: indefinite lengths everywhere
// near the top, and content split into a constructed OCTET STRING. This is
// the input Botan 2.19's sub-decoders misread (STYLE.md §8).
#include "asn1/ber.hpp"
#include "asn1/oids.hpp"
#include "cms/content_info.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/error.hpp"
#include "cms/signed_data.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>
#include "catch_result.hpp"

using namespace ascep;
using cms::bytes;

namespace {

void append_header(bytes& out, const Botan::BER_Object& obj, bool constructed)
{
    auto tag = static_cast<std::uint8_t>(obj.get_class() | obj.type());
    if (constructed)
        tag |= 0x20;
    out.push_back(tag);
}

// Re-encodes a DER tree: constructed elements down to `max_depth` get an
// indefinite length, and each OCTET STRING directly inside a [0] (eContent,
// encryptedContent) becomes a constructed string of 7-byte segments.
void to_ber(const Botan::BER_Object& obj, std::size_t depth, std::size_t max_depth, bool parent_is_context0,
            bytes& out)
{
    const bool constructed = (obj.get_class() & Botan::CONSTRUCTED) != 0;
    const bool chunk_me = !constructed && parent_is_context0 && obj.length() > 7 &&
                          (asn1::is_universal(obj, Botan::OCTET_STRING) || asn1::is_context(obj, 0));
    if (chunk_me) {
        append_header(out, obj, true);
        out.push_back(0x80);
        for (std::size_t off = 0; off < obj.length(); off += 7) {
            const std::size_t n = std::min<std::size_t>(7, obj.length() - off);
            const auto seg = asn1::encode_tlv(Botan::OCTET_STRING, Botan::UNIVERSAL, {obj.bits() + off, n});
            out.insert(out.end(), seg.begin(), seg.end());
        }
        out.insert(out.end(), {0, 0});
        return;
    }
    if (!constructed || depth >= max_depth) {
        const auto tlv = asn1::encode_tlv(obj);
        out.insert(out.end(), tlv.begin(), tlv.end());
        return;
    }
    append_header(out, obj, false);
    out.push_back(0x80);
    for (const auto& child : asn1::children(obj))
        to_ber(child, depth + 1, max_depth, asn1::is_context(obj, 0), out);
    out.insert(out.end(), {0, 0});
}

bytes to_ber(const bytes& der, std::size_t max_depth)
{
    bytes out;
    to_ber(asn1::read_single(der), 0, max_depth, false, out);
    return out;
}

} // namespace

TEST_CASE("SignedData in indefinite-length BER with chunked content parses and verifies")
{
    const auto id = test::self_signed("signer");
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    req.content = bytes(50, 0x42);
    req.certificates = {id.cert};
    const auto der = cms::make_signed_data(req, *id.key, id.cert).value();

    // Depth 4 reaches SignerInfo and eContent but leaves signedAttrs in DER,
    // which is what a streaming signer does (the signature covers their DER).
    const auto ber = to_ber(der, 4);
    REQUIRE(ber != der);
    const auto sd = cms::parse_signed_data(ber);
    REQUIRE(sd);
    REQUIRE(sd->content);
    CHECK(*sd->content == req.content);
    REQUIRE(sd->certificates.size() == 1);
    CHECK_FALSE(cms::verify_signer(*sd, sd->signers.at(0), id.cert));
}

TEST_CASE("EnvelopedData in indefinite-length BER with chunked ciphertext decrypts")
{
    const auto me = test::self_signed("me");
    const bytes content(77, 0x17);
    const auto der = cms::make_enveloped_data(content, {me.cert}, asn1::cipher_algorithm::des_ede3_cbc, test::rng());
    REQUIRE(der);
    const auto ber = to_ber(*der, 6);
    const auto env = cms::parse_enveloped_data(ber);
    REQUIRE(env);
    CHECK(cms::decrypt(*env, *me.key, me.cert).value() == content);
}

TEST_CASE("constructed OCTET STRING nesting is bounded")
{
    // An eContent of OCTET STRINGs nested 40 deep, each constructed.
    bytes nested = asn1::encode_tlv(Botan::OCTET_STRING, Botan::UNIVERSAL, bytes{1, 2, 3});
    for (int i = 0; i < 40; ++i)
        nested = asn1::encode_tlv(Botan::OCTET_STRING, Botan::ASN1_Tag(Botan::CONSTRUCTED), nested);
    const auto obj = asn1::read_single(nested);
    CHECK_THROWS_AS(asn1::octets(obj), asn1::decode_failure);
    try {
        asn1::octets(obj);
    } catch (const asn1::decode_failure& e) {
        CHECK(e.code() == asn1::errc::too_deep);
    }

    // Four levels, as some encoders write, are fine.
    bytes shallow = asn1::encode_tlv(Botan::OCTET_STRING, Botan::UNIVERSAL, bytes{9});
    for (int i = 0; i < 4; ++i)
        shallow = asn1::encode_tlv(Botan::OCTET_STRING, Botan::ASN1_Tag(Botan::CONSTRUCTED), shallow);
    CHECK(asn1::octets(asn1::read_single(shallow)) == bytes{9});
}

TEST_CASE("deeply nested indefinite lengths are refused, not recursed into")
{
    // 100 nested indefinite-length SEQUENCEs inside a ContentInfo shell.
    bytes deep;
    for (int i = 0; i < 100; ++i)
        deep.insert(deep.end(), {0x30, 0x80});
    for (int i = 0; i < 100; ++i)
        deep.insert(deep.end(), {0, 0});
    CHECK_FALSE(cms::parse_signed_data(deep).has_value());
}
