#include "asn1/algorithms.hpp"
#include "asn1/oids.hpp"

#include <catch2/catch.hpp>

using namespace ascep::asn1;

TEST_CASE("sscep digest names map to OIDs and back")
{
    for (const char* name : {"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}) {
        const auto d = parse_digest_name(name);
        REQUIRE(d);
        CHECK(cli_name(*d) == name);
        CHECK(digest_from_oid(oid_of(*d)) == d);
    }
    CHECK(parse_digest_name("SHA256") == digest_algorithm::sha256);
    CHECK(botan_name(digest_algorithm::sha1) == "SHA-160");
    CHECK_FALSE(parse_digest_name("sha3"));
}

TEST_CASE("sscep cipher names map to OIDs and back")
{
    CHECK(parse_cipher_name("aes") == cipher_algorithm::aes128_cbc);
    CHECK(parse_cipher_name("3DES") == cipher_algorithm::des_ede3_cbc);
    CHECK(parse_cipher_name("blowfish") == cipher_algorithm::blowfish_cbc);
    for (const char* name : {"des", "3des", "blowfish", "aes128", "aes192", "aes256"}) {
        const auto c = parse_cipher_name(name);
        REQUIRE(c);
        CHECK(cipher_from_oid(oid_of(*c)) == c);
    }
    CHECK_FALSE(parse_cipher_name("rc2"));
    CHECK(key_length(cipher_algorithm::des_ede3_cbc) == 24);
    CHECK(block_length(cipher_algorithm::aes256_cbc) == 16);
}

TEST_CASE("signature OIDs imply their digest")
{
    CHECK(digest_of_signature_oid(oids::sha256_with_rsa) == digest_algorithm::sha256);
    CHECK_FALSE(digest_of_signature_oid(oids::rsa_encryption));
    CHECK(is_rsa_signature_oid(oids::rsa_encryption));
    CHECK_FALSE(is_rsa_signature_oid(oids::sha256));
}
