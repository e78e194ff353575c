// The CA's side of a request: check_request, and the messageData readers.
#include "asn1/oids.hpp"
#include "cms/software_key.hpp"
#include "cms/error.hpp"
#include "scep/error.hpp"
#include "scep/message_data.hpp"
#include "scep/query.hpp"
#include "scep/request.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"
#include "test_pki.hpp"

#include <botan/pkcs10.h>
#include <botan/x509self.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

using namespace ascep;
using scep::bytes;

namespace {

const auto now = std::chrono::system_clock::now();

struct request_fixture {
    test::identity ca = test::self_signed("Request CA", 0);
    test::identity ra = test::self_signed("Request RA", 4);
    std::shared_ptr<Botan::RSA_PrivateKey> key = test::cached_key(1);
    cms::software_key key_ops{*key};
    cms::software_key ca_ops{*ca.key};
    Botan::X509_Certificate self =
        scep::make_self_signed(key_ops, Botan::X509_DN{{{"X520.CommonName", "dev"}}}, now, test::rng());
    scep::signing_identity ca_signing{ca_ops, ca.cert};

    scep::query_context context(const Botan::X509_Certificate& recipient) const
    {
        return {{key_ops, self}, {recipient}, {}, scep::transaction_id_for(*key), now};
    }

    bytes request(scep::message_type type, bytes data, const Botan::X509_Certificate& recipient) const
    {
        return scep::make_request(type, std::move(data), context(recipient), test::rng()).value().body;
    }
};

} // namespace

TEST_CASE_METHOD(request_fixture, "a good request is opened: header, signer, messageData")
{
    const bytes data{0x30, 0x00};
    const auto r = scep::check_request(request(scep::message_type::pkcs_req, data, ca.cert), {ca_signing});
    REQUIRE(r);
    CHECK_FALSE(r->refusal);
    CHECK(r->message.header.type == scep::message_type::pkcs_req);
    CHECK(r->message.header.transaction_id == scep::transaction_id_for(*key));
    CHECK(r->signer == self);
    CHECK(r->message_data == data);
}

TEST_CASE_METHOD(request_fixture, "refusals carry the failInfo the CA must send")
{
    SECTION("tampered signature")
    {
        auto der = request(scep::message_type::pkcs_req, {0x30, 0x00}, ca.cert);
        der.back() ^= 0x01;
        const auto r = scep::check_request(der, {ca_signing}).value();
        CHECK(r.refusal == scep::fail_info::bad_message_check);
        CHECK(r.error == cms::errc::bad_signature);
    }
    SECTION("unknown messageType")
    {
        const auto r = scep::check_request(request(static_cast<scep::message_type>(42), {0x30, 0x00}, ca.cert),
                                           {ca_signing})
                           .value();
        CHECK_FALSE(r.message.known_type);
        CHECK(r.refusal == scep::fail_info::bad_request);
        // The strict parser the client uses still refuses it outright.
        CHECK(scep::parse_pki_message(request(static_cast<scep::message_type>(42), {0x30, 0x00}, ca.cert)).error() ==
              scep::errc::unexpected_message_type);
    }
    SECTION("a CertRep is not a request")
    {
        const auto r = scep::check_request(request(scep::message_type::cert_rep, {0x30, 0x00}, ca.cert),
                                           {ca_signing})
                           .value();
        CHECK(r.refusal == scep::fail_info::bad_request);
    }
    SECTION("encrypted to another certificate")
    {
        const auto r =
            scep::check_request(request(scep::message_type::pkcs_req, {0x30, 0x00}, ra.cert), {ca_signing})
                .value();
        CHECK(r.refusal == scep::fail_info::bad_message_check);
        CHECK(r.message_data.empty());
    }
}

TEST_CASE_METHOD(request_fixture, "the fallback key opens requests encrypted to the CA when an RA is set")
{
    const cms::software_key ra_ops(*ra.key);
    const scep::signing_identity ra_signing{ra_ops, ra.cert};
    const auto to_ca = request(scep::message_type::pkcs_req, {0x30, 0x00}, ca.cert);
    CHECK(scep::check_request(to_ca, {ra_signing, &ca_signing}).value().refusal == std::nullopt);
    const auto to_ra = request(scep::message_type::pkcs_req, {0x30, 0x00}, ra.cert);
    CHECK(scep::check_request(to_ra, {ra_signing, &ca_signing}).value().refusal == std::nullopt);
}

TEST_CASE_METHOD(request_fixture, "what cannot be answered at all is an error")
{
    const bytes garbage{0x01, 0x02, 0x03};
    CHECK(scep::check_request(garbage, {ca_signing}).error() == cms::errc::malformed);

    // A signer certificate that is not carried: nothing to encrypt a reply to.
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    scep::message_header h;
    h.transaction_id = "T";
    h.sender_nonce = bytes(16, 1);
    req.extra_attributes = scep::to_attributes(h);
    const auto bare = cms::make_signed_data(req, *key, self).value();
    CHECK(scep::check_request(bare, {ca_signing}).error() == scep::errc::untrusted_signer);

    // No senderNonce: no reply can be tied to the request.
    scep::message_header no_nonce;
    no_nonce.transaction_id = "T";
    req.extra_attributes = scep::to_attributes(no_nonce);
    req.certificates = {self};
    const auto unnonced = cms::make_signed_data(req, *key, self).value();
    CHECK(scep::check_request(unnonced, {ca_signing}).error() == scep::errc::missing_attribute);
}

TEST_CASE("IssuerAndSubject and IssuerAndSerialNumber read back what the client writes")
{
    const auto ca = test::self_signed("Reader CA", 0);
    const Botan::X509_DN subject{{{"X520.CommonName", "dev"}}};
    const auto ias = scep::encode_issuer_and_subject(ca.cert.raw_subject_dn(), subject.BER_encode());
    const auto parsed = scep::parse_issuer_and_subject(ias).value();
    CHECK(parsed.issuer == ca.cert.raw_subject_dn());
    CHECK(parsed.subject == subject.BER_encode());

    const auto id = cms::issuer_and_serial::of(ca.cert);
    CHECK(scep::parse_issuer_and_serial(id.encode()).value() == id);

    const bytes junk{0x30, 0x03, 0x02, 0x01, 0x01};
    CHECK(scep::parse_issuer_and_subject(junk).error() == cms::errc::malformed);
    CHECK(scep::parse_issuer_and_serial(junk).error() == cms::errc::malformed);
    CHECK(scep::parse_issuer_and_serial(bytes{}).error() == cms::errc::malformed);
    auto trailing = id.encode();
    trailing.push_back(0);
    CHECK(scep::parse_issuer_and_serial(trailing).error() == cms::errc::malformed);
}
