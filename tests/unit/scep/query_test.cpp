#include "cms/error.hpp"
#include "cms/software_key.hpp"
#include "scep/error.hpp"
#include "scep/query.hpp"
#include "scep/transaction_id.hpp"
#include "test_pki.hpp"

#include <botan/x509_ca.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

using namespace ascep;

namespace {

struct query_fixture {
    test::identity ca = test::self_signed("CA", 0);
    std::shared_ptr<Botan::RSA_PrivateKey> key = test::cached_key(1);
    Botan::X509_Certificate mine = test::issue(ca, *key, "me");
    cms::software_key key_ops{*key};

    scep::query_context context() const
    {
        return {{key_ops, mine}, {ca.cert}, {}, scep::transaction_id_for(*key), std::chrono::system_clock::now()};
    }

    /// The CA side: open the request, check what it asks for, answer.
    boost::system::result<scep::cert_rep> round_trip(const scep::query_message& q, scep::message_type expected,
                                                     const scep::reply_content& content)
    {
        const auto msg = scep::parse_pki_message(q.body).value();
        CHECK(msg.header.type == expected);
        const auto asked = cms::decrypt(*msg.envelope, *ca.key, ca.cert).value();
        CHECK(asked == cms::issuer_and_serial::of(mine).encode());
        const auto reply = scep::make_cert_rep(msg, mine, content, {cms::software_key(*ca.key), ca.cert}, std::vector<std::uint8_t>(16, 7),
                                               asn1::cipher_algorithm::aes128_cbc, std::chrono::system_clock::now(),
                                               test::rng())
                               .value();
        const std::vector<Botan::X509_Certificate> trusted{ca.cert};
        return scep::check_cert_rep(reply, q.sent, {trusted, key_ops, mine});
    }
};

} // namespace

TEST_CASE_METHOD(query_fixture, "GetCert returns the certificate asked for")
{
    const auto id = cms::issuer_and_serial::of(mine);
    const auto q = scep::make_get_cert(id, context(), test::rng()).value();
    CHECK(q.sent.type == scep::message_type::get_cert);
    scep::reply_content content;
    content.certificates = {ca.cert, mine};
    const auto rep = round_trip(q, scep::message_type::get_cert, content);
    REQUIRE(rep);
    CHECK(scep::requested_certificate(*rep, id).value() == mine);

    scep::reply_content wrong;
    wrong.certificates = {ca.cert};
    CHECK(scep::requested_certificate(round_trip(q, scep::message_type::get_cert, wrong).value(), id).error() ==
          scep::errc::missing_content);
}

TEST_CASE_METHOD(query_fixture, "GetCRL returns a CRL signed by the CA, and nothing else passes")
{
    const auto q = scep::make_get_crl(cms::issuer_and_serial::of(mine), context(), test::rng()).value();
    Botan::X509_CA x509_ca(ca.cert, *ca.key, "SHA-256", test::rng());
    scep::reply_content content;
    content.crls = {x509_ca.new_crl(test::rng())};
    const auto rep = round_trip(q, scep::message_type::get_crl, content);
    REQUIRE(rep);
    CHECK(scep::verified_crl(*rep, ca.cert).has_value());

    const auto other = test::self_signed("Other CA", 2);
    Botan::X509_CA other_ca(other.cert, *other.key, "SHA-256", test::rng());
    scep::reply_content forged;
    forged.crls = {other_ca.new_crl(test::rng())};
    CHECK(scep::verified_crl(round_trip(q, scep::message_type::get_crl, forged).value(), ca.cert).error() ==
          scep::errc::untrusted_signer);
}
