// asn1::encode_der_set_of and its order (X.690 §11.6): byte-wise, the
// shorter encoding padded with zeros, so that strict parsers (Python's
// cryptography) accept every SET OF we write.
#include "asn1/ber.hpp"
#include "asn1/der_set.hpp"

#include <botan/der_enc.h>
#include <catch2/catch.hpp>

#include "test_pki.hpp"

#include <cstdint>
#include <vector>

using namespace ascep;
using bytes = std::vector<std::uint8_t>;

namespace {

/// The components of an encoded SET OF, in the order they appear.
std::vector<bytes> components_of(const bytes& set)
{
    std::vector<bytes> out;
    for (const auto& c : asn1::children(asn1::read_single(set)))
        out.push_back(asn1::encode_tlv(c));
    return out;
}

bytes octet_string(std::size_t length, std::uint8_t fill)
{
    return asn1::encode_tlv(Botan::OCTET_STRING, Botan::UNIVERSAL, bytes(length, fill));
}

} // namespace

TEST_CASE("der_set_less compares octet by octet, the shorter padded with zeros", "[asn1][der]")
{
    CHECK(asn1::der_set_less(bytes{0x01, 0xff}, bytes{0x02}));
    CHECK_FALSE(asn1::der_set_less(bytes{0x02}, bytes{0x01, 0xff}));
    // A proper prefix sorts first...
    CHECK(asn1::der_set_less(bytes{0x01, 0x02}, bytes{0x01, 0x02, 0x03}));
    CHECK_FALSE(asn1::der_set_less(bytes{0x01, 0x02, 0x03}, bytes{0x01, 0x02}));
    CHECK(asn1::der_set_less(bytes{}, bytes{0x00, 0x01}));
    // ...unless the rest is zeros, which the padding equals: neither is less.
    CHECK_FALSE(asn1::der_set_less(bytes{0x01, 0x02}, bytes{0x01, 0x02, 0x00}));
    CHECK_FALSE(asn1::der_set_less(bytes{0x01, 0x02, 0x00}, bytes{0x01, 0x02}));
    CHECK_FALSE(asn1::der_set_less(bytes{0x05}, bytes{0x05}));
}

TEST_CASE("encode_der_set_of sorts, a longer component first when its octets say so", "[asn1][der]")
{
    // An INTEGER (0x02) of 5 bytes before an OCTET STRING (0x04) of 3: the
    // tag decides, not the length.
    const bytes long_integer{0x02, 0x03, 0x01, 0x00, 0x01};
    const bytes short_octets{0x04, 0x01, 0x00};
    auto set = asn1::encode_der_set_of({short_octets, long_integer});
    CHECK(set == bytes{0x31, 0x08, 0x02, 0x03, 0x01, 0x00, 0x01, 0x04, 0x01, 0x00});

    // Same tag: the length octet decides; 130 content bytes take the long
    // form 0x81 0x82, which sorts after any short length such as 0x7f.
    const auto long_form = octet_string(130, 0x00);
    const auto short_form = octet_string(127, 0xff);
    CHECK(components_of(asn1::encode_der_set_of({long_form, short_form})) == std::vector<bytes>{short_form, long_form});

    // A prefix sorts first (a raw component list; TLVs are never prefixes of each other).
    const bytes prefix{0x30, 0x01};
    const bytes longer{0x30, 0x01, 0x05};
    set = asn1::encode_der_set_of({longer, prefix});
    CHECK(set == bytes{0x31, 0x05, 0x30, 0x01, 0x30, 0x01, 0x05});

    CHECK(asn1::encode_der_set_of({}) == bytes{0x31, 0x00});
}

TEST_CASE("encode_der_set_of takes an IMPLICIT tag and keeps equal components in order", "[asn1][der]")
{
    const bytes b{0x13, 0x01, 'b'};
    const bytes a{0x13, 0x01, 'a'};
    CHECK(asn1::encode_der_set_of({b, a}, Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC) ==
          bytes{0xa0, 0x06, 0x13, 0x01, 'a', 0x13, 0x01, 'b'});
    // Equal under the padding rule, different bytes: stable, as given.
    const bytes x{0x01};
    const bytes x0{0x01, 0x00};
    CHECK(asn1::encode_der_set_of({x0, x}) == bytes{0x31, 0x03, 0x01, 0x00, 0x01});
    CHECK(asn1::encode_der_set_of({x, x0}) == bytes{0x31, 0x03, 0x01, 0x01, 0x00});
}

TEST_CASE("in_der_set_order accepts sorted lists and refuses the first inversion", "[asn1][der]")
{
    const std::vector<bytes> sorted{{0x02, 0x01, 0x00}, {0x04, 0x00}, {0x04, 0x01, 0x00}, {0x30, 0x00}};
    CHECK(asn1::in_der_set_order(sorted));
    CHECK(asn1::in_der_set_order(std::vector<bytes>{}));
    CHECK(asn1::in_der_set_order(std::vector<bytes>{{0x01}, {0x01, 0x00}, {0x01}}));
    auto swapped = sorted;
    std::swap(swapped[2], swapped[3]);
    CHECK_FALSE(asn1::in_der_set_order(swapped));
}

TEST_CASE("encode_der_set_of orders TLVs as Botan's start_cons(SET) does", "[asn1][der]")
{
    // Botan sorts a SET's children as byte strings (a prefix first), which
    // is DER order for complete TLVs: an independent reference.
    for (int round = 0; round < 50; ++round) {
        std::vector<bytes> parts;
        for (int i = 0; i < 6; ++i) {
            std::uint8_t pick[2];
            test::rng().randomize(pick, sizeof pick);
            const std::size_t length = (pick[0] % 4 == 0) ? 120 + pick[1] % 20 : pick[1] % 8;
            bytes content(length);
            test::rng().randomize(content.data(), content.size());
            const auto tag = (pick[0] & 1) ? Botan::OCTET_STRING : Botan::UTF8_STRING;
            parts.push_back(asn1::encode_tlv(tag, Botan::UNIVERSAL, content));
        }
        bytes botan;
        Botan::DER_Encoder enc(botan);
        enc.start_cons(Botan::SET);
        for (const auto& p : parts)
            enc.raw_bytes(p);
        enc.end_cons();
        CHECK(asn1::encode_der_set_of(parts) == botan);
    }
}
