#include "asn1/ber.hpp"
#include "asn1/der_set.hpp"
#include "asn1/oids.hpp"
#include "cms/content_info.hpp"
#include "cms/error.hpp"
#include "cms/signed_data.hpp"
#include "der_order.hpp"
#include "test_pki.hpp"

#include <botan/pkix_types.h>
#include <botan/x509_ca.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <algorithm>

using namespace ascep;
using cms::bytes;

namespace {

const bytes payload{'s', 'c', 'e', 'p', ' ', 'p', 'a', 'y', 'l', 'o', 'a', 'd', '!', '!', '!', '!'};

bytes sign(const test::identity& id, asn1::digest_algorithm digest = asn1::digest_algorithm::sha256,
           std::vector<cms::attribute> extra = {})
{
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    req.content = payload;
    req.digest = digest;
    req.extra_attributes = std::move(extra);
    req.signing_time = std::chrono::system_clock::now();
    req.certificates = {id.cert};
    auto der = cms::make_signed_data(req, *id.key, id.cert);
    REQUIRE(der);
    return *der;
}

std::size_t find(const bytes& haystack, const bytes& needle)
{
    const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end());
    REQUIRE(it != haystack.end());
    return static_cast<std::size_t>(it - haystack.begin());
}

} // namespace

TEST_CASE("SignedData round-trips and verifies for every digest")
{
    const auto id = test::self_signed("signer");
    for (auto d : {asn1::digest_algorithm::md5, asn1::digest_algorithm::sha1, asn1::digest_algorithm::sha224,
                   asn1::digest_algorithm::sha256, asn1::digest_algorithm::sha384, asn1::digest_algorithm::sha512}) {
        CAPTURE(asn1::cli_name(d));
        const auto sd = cms::parse_signed_data(sign(id, d));
        REQUIRE(sd);
        CHECK(sd->content_type == asn1::oids::data);
        REQUIRE(sd->content);
        CHECK(*sd->content == payload);
        REQUIRE(sd->signers.size() == 1);
        CHECK(sd->signers[0].digest == d);
        CHECK(sd->signers[0].has_signed_attributes);
        REQUIRE(sd->certificates.size() == 1);
        CHECK(sd->certificates[0] == id.cert);
        CHECK(sd->find_certificate(sd->signers[0].sid) == &sd->certificates[0]);
        CHECK_FALSE(cms::verify_signer(*sd, sd->signers[0], id.cert));
    }
}

TEST_CASE("signed attributes are DER-sorted even when added out of order")
{
    const auto id = test::self_signed("signer");
    // transactionID (2.16...) sorts after failInfoText (1.3...) and after the
    // PKCS#9 attributes; add them in descending order.
    std::vector<cms::attribute> extra{
        {asn1::oids::scep_transaction_id, {cms::encode_string("ABCDEF")}},
        {asn1::oids::scep_message_type, {cms::encode_string("19")}},
        {asn1::oids::scep_fail_info_text, {cms::encode_string("z")}},
    };
    const auto sd = cms::parse_signed_data(sign(id, asn1::digest_algorithm::sha256, extra));
    REQUIRE(sd);
    const auto& si = sd->signers.at(0);
    REQUIRE(si.signed_attributes.size() == 6);

    // Re-read each encoded Attribute in the order it travels.
    const auto set = asn1::read_single(si.signed_attributes_der);
    std::vector<bytes> encoded;
    for (const auto& a : asn1::children(set))
        encoded.push_back(asn1::encode_tlv(a));
    CHECK(asn1::in_der_set_order(encoded));
    // Not just the insertion order: transactionID was added first but is not first.
    CHECK(si.signed_attributes.front().type != asn1::oids::scep_transaction_id);
    CHECK(si.find(asn1::oids::scep_transaction_id) != nullptr);
    CHECK_FALSE(cms::verify_signer(*sd, si, id.cert));
}

TEST_CASE("every SET OF in a SignedData is in DER order, values of one attribute and a long attribute too")
{
    const auto id = test::self_signed("signer");
    // Values given out of order; an attribute whose length takes the long
    // form (0x30 0x81 ...), which sorts after every short one.
    std::vector<cms::attribute> extra{
        {asn1::oids::scep_fail_info_text, {cms::encode_string("zz"), cms::encode_string("a"), cms::encode_string("m")}},
        {asn1::oids::scep_transaction_id, {cms::encode_string(std::string(200, 'F'))}},
        {asn1::oids::scep_message_type, {cms::encode_string("19")}},
    };
    const auto der = sign(id, asn1::digest_algorithm::sha256, extra);
    CHECK(test::unsorted_sets(der).empty());
    const auto sd = cms::parse_signed_data(der);
    REQUIRE(sd);
    const auto& si = sd->signers.at(0);
    // signedAttrs travel as [0] IMPLICIT: check them as the SET they are signed as.
    CHECK(test::unsorted_sets(si.signed_attributes_der).empty());
    CHECK(si.signed_attributes.back().type == asn1::oids::scep_transaction_id);
    const auto* text = si.find(asn1::oids::scep_fail_info_text);
    REQUIRE(text);
    CHECK(text->values ==
          std::vector<bytes>{cms::encode_string("a"), cms::encode_string("m"), cms::encode_string("zz")});
    CHECK_FALSE(cms::verify_signer(*sd, si, id.cert));
}

TEST_CASE("tampered signature, tampered content and wrong key give distinct errors")
{
    const auto id = test::self_signed("signer");
    const auto other = test::self_signed("someone else", 1);
    const bytes der = sign(id);

    SECTION("tampered signature")
    {
        bytes bad = der;
        bad.back() ^= 0x01; // the signature is the last field of the message
        const auto sd = cms::parse_signed_data(bad);
        REQUIRE(sd);
        CHECK(cms::verify_signer(*sd, sd->signers[0], id.cert) == cms::errc::bad_signature);
    }
    SECTION("tampered content")
    {
        bytes bad = der;
        bad[find(bad, payload) + 3] ^= 0x20;
        const auto sd = cms::parse_signed_data(bad);
        REQUIRE(sd);
        CHECK(cms::verify_signer(*sd, sd->signers[0], id.cert) == cms::errc::digest_mismatch);
    }
    SECTION("wrong key")
    {
        const auto sd = cms::parse_signed_data(der);
        REQUIRE(sd);
        CHECK(cms::verify_signer(*sd, sd->signers[0], other.cert) == cms::errc::signer_mismatch);
    }
    SECTION("right name, wrong key")
    {
        // A certificate with the signer's issuer and serial but another key: a forgery.
        auto sd = cms::parse_signed_data(der);
        REQUIRE(sd);
        const auto forged = test::issue(other, *other.key, "forged");
        sd->signers[0].sid.issuer_serial = cms::issuer_and_serial::of(forged);
        CHECK(cms::verify_signer(*sd, sd->signers[0], forged) == cms::errc::bad_signature);
    }
}

TEST_CASE("contentType attribute must match the encapsulated type")
{
    const auto id = test::self_signed("signer");
    auto sd = cms::parse_signed_data(sign(id));
    REQUIRE(sd);
    sd->content_type = asn1::oids::enveloped_data;
    CHECK(cms::verify_signer(*sd, sd->signers[0], id.cert) == cms::errc::content_type_mismatch);
}

TEST_CASE("signer identified by subject key identifier, with and without the extension")
{
    const auto ca = test::self_signed("ca");
    const auto leaf_key = test::cached_key(2);
    for (bool with_ski : {true, false}) {
        CAPTURE(with_ski);
        const auto cert = test::issue(ca, *leaf_key, "leaf", with_ski);
        CHECK(cert.subject_key_id().empty() == !with_ski);
        cms::certificate_id id;
        id.subject_key_id = with_ski ? cert.subject_key_id() : cert.subject_public_key_bitstring_sha1();
        CHECK(id.matches(cert));
        CHECK_FALSE(id.matches(ca.cert));
    }
}

TEST_CASE("degenerate certs-only SignedData carries certificates and CRLs")
{
    const auto ca = test::self_signed("ca");
    const auto ra = test::issue(ca, *test::cached_key(1), "ra");
    Botan::X509_CA x509_ca(ca.cert, *ca.key, "SHA-256", test::rng());
    const auto crl = x509_ca.new_crl(test::rng());

    const auto der = cms::make_certs_only({ca.cert, ra}, {crl});
    const auto sd = cms::parse_signed_data(der);
    REQUIRE(sd);
    CHECK(sd->signers.empty());
    CHECK_FALSE(sd->content);
    REQUIRE(sd->certificates.size() == 2);
    CHECK(sd->certificates[0] == ca.cert);
    CHECK(sd->certificates[1] == ra);
    REQUIRE(sd->crls.size() == 1);
    CHECK(sd->crls[0].issuer_dn() == ca.cert.subject_dn());
    const cms::signer_info nobody;
    CHECK(cms::verify_signer(*sd, nobody, ca.cert) == cms::errc::signer_mismatch);
}

TEST_CASE("a certs-only SignedData keeps the caller's certificate order, DER's or not")
{
    // Clients take the first certificate of a reply as the issued one and
    // print GetCACert chains in the order received: see make_certs_only.
    const auto ca = test::self_signed("ca");
    const auto ra = test::issue(ca, *test::cached_key(1), "ra");
    const auto ca_first = asn1::der_set_less(ca.cert.BER_encode(), ra.BER_encode());
    const std::vector<Botan::X509_Certificate> not_der_order =
        ca_first ? std::vector{ra, ca.cert} : std::vector{ca.cert, ra};
    const auto sd = cms::parse_signed_data(cms::make_certs_only(not_der_order));
    REQUIRE(sd);
    CHECK(sd->certificates == not_der_order);
}

TEST_CASE("malformed SignedData gives errors, never exceptions")
{
    const auto id = test::self_signed("signer");
    const bytes der = sign(id);
    // Every truncation of a valid message.
    for (std::size_t n = 0; n < der.size(); ++n) {
        CHECK_FALSE(cms::parse_signed_data(std::span(der.data(), n)).has_value());
    }
    bytes trailing = der;
    trailing.push_back(0);
    CHECK(cms::parse_signed_data(trailing).error() == cms::errc::malformed);

    const bytes not_asn1{0xde, 0xad, 0xbe, 0xef};
    CHECK(cms::parse_signed_data(not_asn1).error() == cms::errc::malformed);

    const bytes huge(cms::max_input_size + 1, 0x30);
    CHECK(cms::parse_signed_data(huge).error() == cms::errc::too_large);
}

TEST_CASE("a SignedData parser rejects other content types by name")
{
    const auto env = cms::parse_signed_data(cms::wrap_content_info(asn1::oids::enveloped_data, bytes{0x30, 0x00}));
    CHECK(env.error() == cms::errc::wrong_content_type);
}
