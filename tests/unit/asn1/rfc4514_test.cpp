// asn1::rfc4514: DNs as RFC 4514 strings (what openssl -nameopt RFC2253 and
// Go print). The interop suite compares with the openssl command itself
// (tests/interop/openssl_test.cpp); here the rules one by one.
#include "asn1/rfc4514.hpp"

#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/pkix_types.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace ascep;
using bytes = std::vector<std::uint8_t>;

namespace {

struct atv {
    std::string oid;
    Botan::ASN1_Tag string_type;
    std::string value; ///< the value's bytes as encoded
};

/// A Name of RDNs (outer vector, in DER order), each a SET of attributes.
bytes name_of(const std::vector<std::vector<atv>>& rdns)
{
    bytes out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SEQUENCE);
    for (const auto& rdn : rdns) {
        enc.start_cons(Botan::SET);
        for (const auto& a : rdn) {
            enc.start_cons(Botan::SEQUENCE);
            enc.encode(Botan::OID(a.oid));
            enc.add_object(a.string_type, Botan::UNIVERSAL, a.value);
            enc.end_cons();
        }
        enc.end_cons();
    }
    enc.end_cons();
    return out;
}

const std::string cn = "2.5.4.3", c = "2.5.4.6", o = "2.5.4.10", ou = "2.5.4.11";

} // namespace

TEST_CASE("rfc4514: last RDN first, comma-separated, no quotes")
{
    CHECK(asn1::rfc4514(name_of({{{c, Botan::PRINTABLE_STRING, "US"}}, {{cn, Botan::UTF8_STRING, "MDM SCEP SIGNER"}}})) ==
          "CN=MDM SCEP SIGNER,C=US");
    CHECK(asn1::rfc4514(name_of({})).empty());
}

TEST_CASE("rfc4514: escapes only what RFC 4514 2.4 asks, UTF-8 as is")
{
    const auto one = [](const std::string& value) {
        return asn1::rfc4514(name_of({{{cn, Botan::UTF8_STRING, value}}}));
    };
    CHECK(one("Example, Inc.") == "CN=Example\\, Inc.");
    CHECK(one("a+b") == "CN=a\\+b");
    CHECK(one("\"q\"<a>;\\") == "CN=\\\"q\\\"\\<a\\>\\;\\\\");
    CHECK(one(" lead") == "CN=\\ lead");
    CHECK(one("trail ") == "CN=trail\\ ");
    CHECK(one("#hash") == "CN=\\#hash");
    CHECK(one("mid#=x") == "CN=mid#=x"); // '#' only first, '=' never
    CHECK(one("Zo\xc3\xab Caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac") == "CN=Zo\xc3\xab Caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac");
    // Control characters and bytes that are not UTF-8 as \XX: no terminal
    // escape sequences from a hostile certificate.
    CHECK(one(std::string("a\0b", 3)) == "CN=a\\00b");
    CHECK(one("\x1b[31m") == "CN=\\1B[31m");
    CHECK(one("bad\xff") == "CN=bad\\FF");
}

TEST_CASE("rfc4514: a multi-valued RDN joins its values with '+', last to first as openssl does")
{
    const auto dn = name_of({{{c, Botan::PRINTABLE_STRING, "US"}},
                             {{cn, Botan::UTF8_STRING, "Zo\xc3\xab"}, {ou, Botan::UTF8_STRING, "R&D Labs"}}});
    // DER sorts the SET: the shorter encoding (CN's) first; printed last to first.
    CHECK(asn1::rfc4514(dn) == "OU=R&D Labs+CN=Zo\xc3\xab,C=US");
}

TEST_CASE("rfc4514: string types become UTF-8; unknown types and non-strings are #hex")
{
    // BMPString "é" and T61String (Latin-1) "é".
    CHECK(asn1::rfc4514(name_of({{{o, Botan::BMP_STRING, std::string("\x00\xe9", 2)}}})) == "O=\xc3\xa9");
    CHECK(asn1::rfc4514(name_of({{{o, Botan::T61_STRING, "\xe9"}}})) == "O=\xc3\xa9");
    CHECK(asn1::rfc4514(name_of({{{"1.2.3.4", Botan::UTF8_STRING, "hi"}}})) == "1.2.3.4=#0C026869");
    CHECK(asn1::rfc4514(name_of({{{"1.2.840.113549.1.9.1", Botan::IA5_STRING, "a@b.c"}}})) ==
          "emailAddress=a@b.c");
}

TEST_CASE("rfc4514: a DN Botan decoded prints from its own bytes; garbage throws")
{
    const auto der = name_of({{{c, Botan::PRINTABLE_STRING, "DE"}}, {{cn, Botan::UTF8_STRING, "a"}, {o, Botan::UTF8_STRING, "b"}}});
    Botan::X509_DN dn;
    Botan::BER_Decoder(der).decode(dn).verify_end();
    CHECK(asn1::rfc4514(dn) == "O=b+CN=a,C=DE");
    CHECK_THROWS(asn1::rfc4514(bytes{0x30, 0x03, 0x02, 0x01, 0x05}));
    CHECK_THROWS(asn1::rfc4514(bytes{0x04, 0x00}));
}
