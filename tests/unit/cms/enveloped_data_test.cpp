#include "asn1/oids.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/error.hpp"
#include "der_order.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>
#include "catch_result.hpp"

using namespace ascep;
using bytes = std::vector<std::uint8_t>;

namespace {

const bytes csr_like(100, 0x5a); // spans several cipher blocks

const asn1::cipher_algorithm all_ciphers[] = {
    asn1::cipher_algorithm::des_cbc,    asn1::cipher_algorithm::des_ede3_cbc, asn1::cipher_algorithm::aes128_cbc,
    asn1::cipher_algorithm::aes192_cbc, asn1::cipher_algorithm::aes256_cbc, asn1::cipher_algorithm::blowfish_cbc,
};

cms::enveloped_data envelope(const std::vector<Botan::X509_Certificate>& to, asn1::cipher_algorithm cipher)
{
    const auto der = cms::make_enveloped_data(csr_like, to, cipher, test::rng());
    REQUIRE(der);
    auto env = cms::parse_enveloped_data(*der);
    REQUIRE(env);
    return *env;
}

} // namespace

TEST_CASE("EnvelopedData round-trips for every cipher")
{
    const auto me = test::self_signed("recipient");
    for (auto c : all_ciphers) {
        CAPTURE(asn1::cli_name(c));
        const auto env = envelope({me.cert}, c);
        CHECK(env.cipher == c);
        CHECK(env.content_type == asn1::oids::data);
        REQUIRE(env.recipients.size() == 1);
        CHECK(env.recipients[0].rid.matches(me.cert));
        CHECK(env.recipients[0].key_transport == "EME-PKCS1-v1_5");
        const auto plain = cms::decrypt(env, *me.key, me.cert);
        REQUIRE(plain);
        CHECK(*plain == csr_like);
    }
}

TEST_CASE("EnvelopedData with several recipients opens for each")
{
    const auto a = test::self_signed("a", 0);
    const auto b = test::self_signed("b", 1);
    const auto env = envelope({a.cert, b.cert}, asn1::cipher_algorithm::aes256_cbc);
    REQUIRE(env.recipients.size() == 2);
    CHECK(cms::decrypt(env, *a.key, a.cert).value() == csr_like);
    CHECK(cms::decrypt(env, *b.key, b.cert).value() == csr_like);
}

TEST_CASE("EnvelopedData's recipientInfos are a DER SET OF whatever the order given")
{
    const auto a = test::self_signed("a", 0);
    const auto b = test::self_signed("b", 1);
    const auto c = test::self_signed("c", 2);
    for (const auto& to : {std::vector{a.cert, b.cert, c.cert}, std::vector{c.cert, b.cert, a.cert}}) {
        const auto der = cms::make_enveloped_data(csr_like, to, asn1::cipher_algorithm::aes128_cbc, test::rng());
        REQUIRE(der);
        CHECK(test::unsorted_sets(*der).empty());
    }
}

TEST_CASE("a recipient not named is still tried, as some servers misname it")
{
    const auto me = test::self_signed("me", 0);
    const auto other = test::self_signed("other", 1);
    // Encrypted to our key, but under a certificate name we do not hold.
    const auto misnamed = test::issue(other, *me.key, "me under another issuer");
    const auto env = envelope({misnamed}, asn1::cipher_algorithm::aes128_cbc);
    CHECK_FALSE(env.recipients[0].rid.matches(me.cert));
    CHECK(cms::decrypt(env, *me.key, me.cert).value() == csr_like);
}

TEST_CASE("wrong key and tampered ciphertext give distinct errors")
{
    const auto me = test::self_signed("me", 0);
    const auto other = test::self_signed("other", 1);
    const auto env = envelope({me.cert}, asn1::cipher_algorithm::aes128_cbc);

    SECTION("a key for which no recipient exists")
    {
        CHECK(cms::decrypt(env, *other.key, other.cert).error() == cms::errc::no_matching_recipient);
    }
    SECTION("our certificate, but the wrong private key")
    {
        CHECK(cms::decrypt(env, *other.key, me.cert).error() == cms::errc::decryption_failed);
    }
    SECTION("flipped ciphertext")
    {
        for (auto c : all_ciphers) {
            CAPTURE(asn1::cli_name(c));
            auto bad = envelope({me.cert}, c);
            // Flipping the low bit of the last byte of the next-to-last block
            // flips the last padding byte: PKCS#7 padding can never survive it.
            bad.encrypted_content[bad.encrypted_content.size() - asn1::block_length(c) - 1] ^= 0x01;
            CHECK(cms::decrypt(bad, *me.key, me.cert).error() == cms::errc::decryption_failed);
        }
    }
    SECTION("flipped content key")
    {
        auto bad = env;
        bad.recipients[0].encrypted_key[10] ^= 0x40;
        CHECK(cms::decrypt(bad, *me.key, me.cert).error() == cms::errc::decryption_failed);
    }
}

TEST_CASE("malformed EnvelopedData gives errors, never exceptions")
{
    const auto me = test::self_signed("me");
    const auto der = cms::make_enveloped_data(csr_like, {me.cert}, asn1::cipher_algorithm::aes128_cbc, test::rng());
    REQUIRE(der);
    for (std::size_t n = 0; n < der->size(); ++n)
        CHECK_FALSE(cms::parse_enveloped_data(std::span(der->data(), n)).has_value());
    // A SignedData is not an EnvelopedData.
    bytes signed_data_oid_swapped = *der;
    REQUIRE(signed_data_oid_swapped.at(14) == 0x03);
    signed_data_oid_swapped[14] = 0x02; // ...1.7.3 -> ...1.7.2 in the ContentInfo OID
    CHECK(cms::parse_enveloped_data(signed_data_oid_swapped).error() == cms::errc::wrong_content_type);
}
