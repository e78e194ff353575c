#include "scep/caps.hpp"

#include <catch2/catch.hpp>

using namespace ascep;
using namespace ascep::scep;

TEST_CASE("GetCACaps parses CRLF and LF, ignores case and blank lines")
{
    const auto caps = parse_caps("AES\r\nsha-256\r\n\r\n  POSTPKIOperation \nFancyFutureThing\n");
    CHECK(caps.keywords.size() == 4);
    CHECK(caps.has("SHA-256"));
    CHECK(caps.has("aes"));
    CHECK(caps.post());
    CHECK_FALSE(caps.renewal());
    CHECK(caps.has("FancyFutureThing"));
}

TEST_CASE("algorithm choice follows RFC 8894 section 3.5.2")
{
    SECTION("modern CA: AES-128, SHA-256, POST")
    {
        const auto c = choose_algorithms(parse_caps("AES\nDES3\nSHA-1\nSHA-256\nSHA-512\nPOSTPKIOperation"), {});
        CHECK(c.cipher == asn1::cipher_algorithm::aes128_cbc);
        CHECK(c.digest == asn1::digest_algorithm::sha256);
        CHECK(c.use_post);
        CHECK(c.warnings.empty());
    }
    SECTION("SCEPStandard alone implies AES, SHA-256 and POST")
    {
        const auto c = choose_algorithms(parse_caps("SCEPStandard"), {});
        CHECK(c.cipher == asn1::cipher_algorithm::aes128_cbc);
        CHECK(c.digest == asn1::digest_algorithm::sha256);
        CHECK(c.use_post);
    }
    SECTION("older CA: 3DES and SHA-1 over GET")
    {
        const auto c = choose_algorithms(parse_caps("DES3\nSHA-1\n"), {});
        CHECK(c.cipher == asn1::cipher_algorithm::des_ede3_cbc);
        CHECK(c.digest == asn1::digest_algorithm::sha1);
        CHECK_FALSE(c.use_post);
        CHECK(c.warnings.empty());
    }
    SECTION("SHA-512 only")
    {
        CHECK(choose_algorithms(parse_caps("SHA-512"), {}).digest == asn1::digest_algorithm::sha512);
    }
    SECTION("a CA that advertises nothing gets DES and MD5, with a warning each")
    {
        const auto c = choose_algorithms(parse_caps(""), {});
        CHECK(c.cipher == asn1::cipher_algorithm::des_cbc);
        CHECK(c.digest == asn1::digest_algorithm::md5);
        CHECK(c.warnings.size() == 2);
    }
    SECTION("-E and -S win, without warnings")
    {
        const auto c = choose_algorithms(parse_caps(""), {asn1::cipher_algorithm::blowfish_cbc,
                                                          asn1::digest_algorithm::sha384});
        CHECK(c.cipher == asn1::cipher_algorithm::blowfish_cbc);
        CHECK(c.digest == asn1::digest_algorithm::sha384);
        CHECK(c.warnings.empty());
    }
}
