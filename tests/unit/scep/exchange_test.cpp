// Request and reply bytes built by the scep layer on both sides, the way the
// client and the test CA use it: no sockets, scripted replies.
#include "asn1/ber.hpp"
#include "cms/software_key.hpp"
#include "asn1/oids.hpp"
#include "cms/error.hpp"
#include "scep/cert_rep.hpp"
#include "scep/csr.hpp"
#include "scep/error.hpp"
#include "scep/message_data.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"
#include "der_order.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"

#include <botan/x509_ca.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

using namespace ascep;
using scep::bytes;

namespace {

const auto now = std::chrono::system_clock::now();

bytes random_bytes(std::size_t n)
{
    bytes out(n);
    test::rng().randomize(out.data(), out.size());
    return out;
}

struct ca_fixture {
    test::identity ca = test::self_signed("Test CA", 0);
    test::identity other_ca = test::self_signed("Other CA", 4);
    std::shared_ptr<Botan::RSA_PrivateKey> client_key = test::cached_key(1);
    Botan::X509_DN subject{{{"X520.CommonName", "device-1"}}};
    Botan::X509_Certificate client_cert = scep::make_self_signed(cms::software_key(*client_key), subject, now, test::rng());
    bytes csr = make_csr();
    bytes nonce = random_bytes(scep::nonce_size);

    bytes make_csr() const
    {
        return test::make_request(*client_key, {.subject = "CN=device-1", .challenge = "secret"});
    }

    scep::sent_request sent() const
    {
        return {scep::message_type::pkcs_req, scep::transaction_id_for(*client_key), nonce};
    }

    bytes pkcs_req(asn1::cipher_algorithm cipher = asn1::cipher_algorithm::aes128_cbc,
                   asn1::digest_algorithm digest = asn1::digest_algorithm::sha256) const
    {
        return pkcs_req_carrying(csr, cipher, digest);
    }

    bytes pkcs_req_carrying(const bytes& request_csr,
                            asn1::cipher_algorithm cipher = asn1::cipher_algorithm::aes128_cbc,
                            asn1::digest_algorithm digest = asn1::digest_algorithm::sha256) const
    {
        scep::outgoing_message m;
        m.header.type = scep::message_type::pkcs_req;
        m.header.transaction_id = scep::transaction_id_for(*client_key);
        m.header.sender_nonce = nonce;
        m.message_data = request_csr;
        m.recipients = {ca.cert};
        m.cipher = cipher;
        m.digest = digest;
        m.certificates = {client_cert};
        m.now = now;
        return scep::make_pki_message(m, {cms::software_key(*client_key), client_cert}, test::rng()).value();
    }

    Botan::X509_Certificate issue_for(const Botan::Public_Key& key) const
    {
        return test::issue(ca, key, "device-1");
    }

    /// The CA's side: parse, verify with the carried signer, decrypt, reply.
    bytes reply(const bytes& request, const scep::reply_content& content, const test::identity& signer) const
    {
        const auto msg = scep::parse_pki_message(request).value();
        const auto requester = msg.signed_data.find_certificate(msg.signer().sid);
        REQUIRE(requester);
        return scep::make_cert_rep(msg, *requester, content, {cms::software_key(*signer.key), signer.cert},
                                   random_bytes(16),
                                   asn1::cipher_algorithm::des_cbc, now, test::rng())
            .value();
    }

    boost::system::result<scep::cert_rep> check(const bytes& reply_der) const
    {
        const std::vector<Botan::X509_Certificate> trusted{ca.cert};
        return scep::check_cert_rep(reply_der, sent(), {trusted, cms::software_key(*client_key), client_cert});
    }
};

scep::reply_content success(const Botan::X509_Certificate& cert)
{
    scep::reply_content c;
    c.status = scep::pki_status::success;
    c.certificates = {cert};
    return c;
}

} // namespace

TEST_CASE_METHOD(ca_fixture, "a PKCSReq carries what RFC 8894 requires and the CA can open it")
{
    for (auto cipher : {asn1::cipher_algorithm::des_cbc, asn1::cipher_algorithm::des_ede3_cbc,
                        asn1::cipher_algorithm::aes128_cbc, asn1::cipher_algorithm::aes256_cbc}) {
        const auto msg = scep::parse_pki_message(pkcs_req(cipher, asn1::digest_algorithm::sha512));
        REQUIRE(msg);
        CHECK(msg->header.type == scep::message_type::pkcs_req);
        CHECK(msg->header.transaction_id == scep::transaction_id_for(*client_key));
        CHECK(msg->header.sender_nonce == nonce);
        CHECK_FALSE(msg->header.recipient_nonce);
        CHECK(msg->signer().digest == asn1::digest_algorithm::sha512);
        CHECK(msg->signer().find(asn1::oids::signing_time));
        const std::vector<Botan::X509_Certificate> carried = msg->signed_data.certificates;
        CHECK_FALSE(scep::verify_signature(*msg, carried));
        REQUIRE(msg->envelope);
        CHECK(msg->envelope->cipher == cipher);
        CHECK(cms::decrypt(*msg->envelope, *ca.key, ca.cert).value() == csr);
    }
}

TEST_CASE_METHOD(ca_fixture, "every SET OF in a PKCSReq and in its CertRep is in DER order, at every layer")
{
    // The request `ascep mkrequest -dns a.b` makes with a 57-character
    // challenge, whose attributes DER puts the other way round from Botan.
    std::string why;
    scep::csr_fields f;
    f.subject = *scep::make_dn({{"CN", "a.b"}}, why);
    f.dns = {"a.b"};
    f.challenge = std::string(57, 'c');
    const auto request_csr = scep::make_csr(cms::software_key(*client_key), f);
    const auto request = pkcs_req_carrying(request_csr);

    // The SignedData, its signed attributes (as the SET they are signed
    // as) and the EnvelopedData it carries.
    const auto check_layers = [](const bytes& der) {
        const auto msg = scep::parse_pki_message(der).value();
        CHECK(test::unsorted_sets(der).empty());
        CHECK(test::unsorted_sets(msg.signer().signed_attributes_der).empty());
        REQUIRE(msg.signed_data.content);
        CHECK(test::unsorted_sets(*msg.signed_data.content).empty());
        return msg;
    };
    const auto opened = check_layers(request);
    const auto plain = cms::decrypt(*opened.envelope, *ca.key, ca.cert).value();
    CHECK(plain == request_csr);
    CHECK(test::unsorted_sets(plain, {test::set_tag, 0xa0}).empty());

    scep::reply_content content = success(issue_for(*client_key));
    content.certificates.push_back(ca.cert);
    const auto rep = reply(request, content, ca);
    const auto rep_msg = check_layers(rep);
    const auto degenerate = cms::decrypt(*rep_msg.envelope, *client_key, client_cert).value();
    // The certificates' [0] keeps its order on purpose (cms::make_certs_only);
    // every universal SET in and around them is checked.
    CHECK(test::unsorted_sets(degenerate).empty());
}

TEST_CASE_METHOD(ca_fixture, "SUCCESS: the issued certificate comes out and matches our key")
{
    const auto issued = issue_for(*client_key);
    const auto rep = check(reply(pkcs_req(), success(issued), ca));
    REQUIRE(rep);
    CHECK(rep->status == scep::pki_status::success);
    CHECK(rep->header.transaction_id == scep::transaction_id_for(*client_key));
    CHECK(scep::issued_certificate(*rep, *client_key).value() == issued);
}

TEST_CASE_METHOD(ca_fixture, "PENDING and FAILURE replies carry their status and failInfo")
{
    scep::reply_content pending;
    pending.status = scep::pki_status::pending;
    const auto p = check(reply(pkcs_req(), pending, ca));
    REQUIRE(p);
    CHECK(p->status == scep::pki_status::pending);
    CHECK(p->certificates.empty());

    for (auto f : {scep::fail_info::bad_alg, scep::fail_info::bad_message_check, scep::fail_info::bad_request,
                   scep::fail_info::bad_time, scep::fail_info::bad_cert_id}) {
        scep::reply_content failure;
        failure.status = scep::pki_status::failure;
        failure.fail_info = f;
        failure.fail_info_text = "refused: " + std::string(scep::name(f));
        const auto r = check(reply(pkcs_req(), failure, ca));
        REQUIRE(r);
        CHECK(r->status == scep::pki_status::failure);
        CHECK(r->header.fail_info == f);
        CHECK(r->header.fail_info_text == failure.fail_info_text);
    }
}

TEST_CASE_METHOD(ca_fixture, "every forged or mismatched reply is refused with its own error")
{
    const auto request = pkcs_req();
    const auto good = reply(request, success(issue_for(*client_key)), ca);

    SECTION("tampered signature")
    {
        bytes bad = good;
        bad.back() ^= 0x01;
        CHECK(check(bad).error() == cms::errc::bad_signature);
    }
    SECTION("signed by another CA")
    {
        CHECK(check(reply(request, success(issue_for(*client_key)), other_ca)).error() ==
              scep::errc::untrusted_signer);
    }
    SECTION("wrong transactionID")
    {
        auto sent_other = sent();
        sent_other.transaction_id += "0";
        const std::vector<Botan::X509_Certificate> trusted{ca.cert};
        CHECK(scep::check_cert_rep(good, sent_other, {trusted, cms::software_key(*client_key), client_cert}).error() ==
              scep::errc::transaction_id_mismatch);
    }
    SECTION("a transactionID that only shares a prefix")
    {
        auto sent_prefix = sent();
        sent_prefix.transaction_id.pop_back();
        const std::vector<Botan::X509_Certificate> trusted{ca.cert};
        CHECK(scep::check_cert_rep(good, sent_prefix, {trusted, cms::software_key(*client_key), client_cert}).error() ==
              scep::errc::transaction_id_mismatch);
    }
    SECTION("wrong recipientNonce (a replayed reply)")
    {
        auto sent_other = sent();
        sent_other.sender_nonce[0] ^= 0xff;
        const std::vector<Botan::X509_Certificate> trusted{ca.cert};
        CHECK(scep::check_cert_rep(good, sent_other, {trusted, cms::software_key(*client_key), client_cert}).error() ==
              scep::errc::recipient_nonce_mismatch);
    }
    SECTION("issued certificate for another key")
    {
        const auto rep = check(reply(request, success(issue_for(*test::cached_key(2))), ca));
        REQUIRE(rep);
        CHECK(scep::issued_certificate(*rep, *client_key).error() == scep::errc::wrong_public_key);
    }
    SECTION("a request is not a reply")
    {
        // Our own PKCSReq, signed by our own certificate, trusted here to get past the signature.
        const std::vector<Botan::X509_Certificate> trusted{client_cert};
        CHECK(scep::check_cert_rep(request, sent(), {trusted, cms::software_key(*client_key), client_cert}).error() ==
              scep::errc::unexpected_message_type);
    }
    SECTION("truncated replies never parse")
    {
        for (std::size_t n = 0; n < good.size(); n += 7)
            CHECK_FALSE(check(bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n))).has_value());
    }
}

TEST_CASE_METHOD(ca_fixture, "GetCRL and GetCert replies carry a CRL or a certificate")
{
    Botan::X509_CA x509_ca(ca.cert, *ca.key, "SHA-256", test::rng());
    scep::reply_content with_crl;
    with_crl.crls = {x509_ca.new_crl(test::rng())};
    const auto rep = check(reply(pkcs_req(), with_crl, ca));
    REQUIRE(rep);
    REQUIRE(rep->crls.size() == 1);
    CHECK(rep->crls[0].check_signature(*ca.key));
    CHECK(scep::issued_certificate(*rep, *client_key).error() == scep::errc::missing_content);
}

TEST_CASE("IssuerAndSubject is a SEQUENCE of the two Names")
{
    const auto ca = test::self_signed("Test CA");
    const auto der = scep::encode_issuer_and_subject(ca.cert.raw_subject_dn(), ca.cert.raw_issuer_dn());
    const auto seq = asn1::read_single(der);
    CHECK(asn1::is_sequence(seq));
    const auto names = asn1::children(seq);
    REQUIRE(names.size() == 2);
    CHECK(asn1::encode_tlv(names[0]) == ca.cert.raw_subject_dn());
    CHECK(asn1::encode_tlv(names[1]) == ca.cert.raw_issuer_dn());
}

TEST_CASE_METHOD(ca_fixture, "a FAILURE signed by another of the CA's certificates is reported; nothing else is")
{
    // The CA's set holds a second certificate (a root above the issuing CA,
    // an RA encryption certificate) that is not a reply signer.
    const std::vector<Botan::X509_Certificate> trusted{ca.cert};
    const std::vector<Botan::X509_Certificate> ca_set{ca.cert, other_ca.cert};
    const auto check_with_set = [&](const bytes& reply_der) {
        return scep::check_cert_rep(reply_der, sent(),
                                    {trusted, cms::software_key(*client_key), client_cert, ca_set});
    };
    scep::reply_content refusal;
    refusal.status = scep::pki_status::failure;
    refusal.fail_info = scep::fail_info::bad_request;
    const auto failure = reply(pkcs_req(), refusal, other_ca);
    const auto rep = check_with_set(failure);
    REQUIRE(rep);
    CHECK(rep->status == scep::pki_status::failure);
    CHECK(rep->header.fail_info == scep::fail_info::bad_request);
    // Without the CA's set, the same reply is an untrusted signature.
    CHECK(check(failure).error() == scep::errc::untrusted_signer);

    scep::reply_content pending;
    pending.status = scep::pki_status::pending;
    CHECK(check_with_set(reply(pkcs_req(), pending, other_ca)).error() == scep::errc::untrusted_signer);
    CHECK(check_with_set(reply(pkcs_req(), success(issue_for(*client_key)), other_ca)).error() ==
          scep::errc::untrusted_signer);

    // A stranger's FAILURE stays untrusted.
    const auto stranger = test::self_signed("Stranger", 5);
    CHECK(check_with_set(reply(pkcs_req(), refusal, stranger)).error() == scep::errc::untrusted_signer);
}
