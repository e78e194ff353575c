// The test CA's request handling without sockets: client messages built by
// scep (make_request, the same code the engine sends) go into
// service::handle, and the replies are checked with scep::check_cert_rep.
#include "testca/service.hpp"
#include "cms/software_key.hpp"

#include "cms/error.hpp"
#include "scep/ca_certs.hpp"
#include "scep/error.hpp"
#include "scep/message_data.hpp"
#include "scep/query.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"

#include "csr_version.hpp"
#include "temp_dir.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"

#include <botan/base64.h>
#include <botan/certstor.h>
#include <botan/x509path.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <set>

using namespace ascep;
using scep::bytes;

namespace {

const auto now = std::chrono::system_clock::now();

struct client {
    std::shared_ptr<Botan::RSA_PrivateKey> key;
    std::shared_ptr<const cms::private_key_ops> ops; // signs and opens, as the engine's
    Botan::X509_DN subject;
    bytes csr;                    // DER
    Botan::X509_Certificate cert; // what signs our messages
    std::string tid;

    client(int slot, const std::string& challenge, std::string tid_override = {})
        : key(test::cached_key(slot)), ops(std::make_shared<const cms::software_key>(key)),
          subject(test::request_subject(spec(challenge))), csr(test::make_request(*key, spec(challenge))),
          cert(scep::make_self_signed(*ops, subject, now, test::rng())),
          tid(tid_override.empty() ? scep::transaction_id_for(*key) : std::move(tid_override))
    {
    }

    static test::request_spec spec(const std::string& challenge)
    {
        return {.subject = "CN=device-1,C=DE,O=ascep tests,OU=lab",
                .challenge = challenge,
                .dns = {"device-1.example.test"}};
    }
};

struct fixture {
    test::temp_dir dir;
    testca::state_store store{dir.path()};
    test::identity ca_id = test::self_signed("Service CA", 0);
    testca::service_options opts;
    std::optional<testca::service> svc;

    testca::ca_material material() const
    {
        testca::ca_material m;
        m.ca = {ca_id.key, ca_id.cert};
        return m;
    }

    void start(testca::policy rules = {})
    {
        opts.rules = std::move(rules);
        store.save_crl(testca::make_crl({ca_id.key, ca_id.cert}, std::nullopt, {}, now, test::rng()));
        svc.emplace(opts, store, material(), test::rng());
    }

    testca::http_reply post(const bytes& body)
    {
        return svc->handle("POST", "/scep?operation=PKIOperation", body, now);
    }

    scep::query_context context(const client& c, const cms::private_key_ops* key = nullptr,
                                const Botan::X509_Certificate* cert = nullptr) const
    {
        scep::algorithm_choice alg;
        alg.cipher = asn1::cipher_algorithm::des_ede3_cbc;
        return {{key ? *key : *c.ops, cert ? *cert : c.cert}, {ca_id.cert}, alg, c.tid, now};
    }

    /// Sends `q`, checks the reply as the client does.
    boost::system::result<scep::cert_rep> exchange(const scep::query_message& q, const Botan::Private_Key& key,
                                                   const Botan::X509_Certificate& cert)
    {
        const auto r = post(q.body);
        INFO(std::string(r.body.begin(), r.body.end()));
        REQUIRE(r.status == 200);
        CHECK(r.content_type == "application/x-pki-message");
        const std::vector<Botan::X509_Certificate> trusted{ca_id.cert};
        return scep::check_cert_rep(r.body, q.sent, {trusted, cms::software_key(key), cert});
    }

    scep::cert_rep enroll(const client& c, scep::message_type type = scep::message_type::pkcs_req)
    {
        const auto q = scep::make_request(type, c.csr, context(c), test::rng()).value();
        return exchange(q, *c.key, c.cert).value();
    }

    scep::cert_rep poll(const client& c)
    {
        const auto q = scep::make_request(scep::message_type::cert_poll,
                                          scep::encode_issuer_and_subject(ca_id.cert.raw_subject_dn(),
                                                                          c.subject.BER_encode()),
                                          context(c), test::rng())
                           .value();
        return exchange(q, *c.key, c.cert).value();
    }
};

/// A test CA made as `ascep-testca --intermediate` makes it (root, issuing
/// CA under it, RA certificates with `ra`) in a fresh state directory.
/// Requests name their recipient and trusted reply signer explicitly: which
/// certificate a client picks from such a chain is the client's business.
struct hierarchy_fixture {
    test::temp_dir dir;
    testca::state_store store{dir.path()};
    testca::ca_material ca;
    std::optional<testca::service> svc;

    void start(bool ra, testca::chain_order order = testca::chain_order::leaf_first)
    {
        ca = testca::load_or_create_ca(store, {1024, ra, true}, now, test::rng());
        testca::service_options opts;
        opts.order = order;
        svc.emplace(opts, store, ca, test::rng());
    }

    std::vector<Botan::X509_Certificate> get_ca_cert()
    {
        const auto r = svc->handle("GET", "/scep?operation=GetCACert", {}, now);
        REQUIRE(r.status == 200);
        CHECK(r.content_type == "application/x-x509-ca-ra-cert");
        return scep::parse_ca_certs(r.body).value();
    }

    /// `q` answered, checked as a client that trusts `signer` alone.
    scep::cert_rep exchange(const scep::query_message& q, const client& c, const Botan::X509_Certificate& signer)
    {
        const auto r = svc->handle("POST", "/scep?operation=PKIOperation", q.body, now);
        INFO(std::string(r.body.begin(), r.body.end()));
        REQUIRE(r.status == 200);
        const std::vector<Botan::X509_Certificate> trusted{signer};
        return scep::check_cert_rep(r.body, q.sent, {trusted, *c.ops, c.cert}).value();
    }

    scep::query_context context(const client& c, const Botan::X509_Certificate& recipient,
                                const cms::private_key_ops* key = nullptr,
                                const Botan::X509_Certificate* cert = nullptr) const
    {
        return {{key ? *key : *c.ops, cert ? *cert : c.cert}, {recipient}, {}, c.tid, now};
    }

    /// A PKCSReq from `c` encrypted to `recipient`.
    scep::cert_rep enroll(const client& c, const Botan::X509_Certificate& recipient,
                          const Botan::X509_Certificate& signer)
    {
        const auto q =
            scep::make_request(scep::message_type::pkcs_req, c.csr, context(c, recipient), test::rng())
                .value();
        return exchange(q, c, signer);
    }

    /// Whether `cert` validates up to the root, through the issuing CA, as
    /// a relying party that trusts only the root sees it.
    bool validates_to_root(const Botan::X509_Certificate& cert) const
    {
        Botan::Certificate_Store_In_Memory trusted;
        trusted.add_certificate(*ca.root);
        const Botan::Path_Validation_Restrictions restrictions(false, 80); // 1024-bit test keys
        const auto result = Botan::x509_path_validate({cert, ca.ca.cert}, restrictions, trusted);
        INFO(result.result_string());
        return result.successful_validation();
    }
};

} // namespace

TEST_CASE_METHOD(hierarchy_fixture, "--intermediate: GetCACert serves the issuing CA and the root in the order asked")
{
    using chain = std::vector<Botan::X509_Certificate>;
    SECTION("leaf-first (the default)")
    {
        start(false);
        CHECK(get_ca_cert() == chain{ca.ca.cert, *ca.root});
        CHECK(get_ca_cert() == chain{ca.ca.cert, *ca.root});
        CHECK(svc->handle("GET", "/scep?operation=GetCACert", {}, now).log == "GetCACert 200 CA,root (leaf-first)");
    }
    SECTION("root-first")
    {
        start(false, testca::chain_order::root_first);
        CHECK(get_ca_cert() == chain{*ca.root, ca.ca.cert});
    }
    SECTION("with --ra: RA signing, RA encryption, issuing CA, root; root-first turns the levels round")
    {
        start(true);
        const chain leaf_first{ca.ra_sign->cert, ca.ra_enc->cert, ca.ca.cert, *ca.root};
        CHECK(get_ca_cert() == leaf_first);
        svc.emplace(testca::service_options{{}, testca::default_caps(), std::chrono::hours(24 * 365), testca::chain_order::root_first}, store,
                    ca, test::rng());
        CHECK(get_ca_cert() == chain{*ca.root, ca.ca.cert, ca.ra_sign->cert, ca.ra_enc->cert});
        CHECK(svc->handle("GET", "/scep?operation=GetCACert", {}, now).log ==
              "GetCACert 200 root,CA,RA-sign,RA-enc (root-first)");
    }
    SECTION("random: a new order for each answer, always the same certificates")
    {
        start(true, testca::chain_order::random);
        std::set<std::vector<std::string>> orders;
        for (int i = 0; i < 20; ++i) {
            const auto served = get_ca_cert();
            REQUIRE(served.size() == 4);
            std::vector<std::string> names;
            for (const auto& cert : served)
                names.push_back(cert.subject_dn().get_first_attribute("CN"));
            CHECK(std::set<std::string>(names.begin(), names.end()).size() == 4);
            orders.insert(std::move(names));
        }
        // 24 orders possible; one order 20 times running has chance 24^-19.
        CHECK(orders.size() > 1);
    }
}

TEST_CASE_METHOD(hierarchy_fixture,
                 "--intermediate: requests to the issuing CA are issued by it, replies signed by it; "
                 "a request encrypted to the root is refused")
{
    start(false);
    const client c(1, "");
    const auto rep = enroll(c, ca.ca.cert, ca.ca.cert);
    REQUIRE(rep.status == scep::pki_status::success);
    const auto cert = scep::issued_certificate(rep, *c.key).value();
    CHECK(cert.issuer_dn() == ca.ca.cert.subject_dn());
    CHECK(testca::issued_by(cert, ca.ca.cert));
    CHECK_FALSE(testca::issued_by(cert, *ca.root));
    CHECK(validates_to_root(cert));

    // A client that picked the root as recipient: the root's key never opens
    // requests, as at a real CA, so this is FAILURE badMessageCheck.
    const client lost(2, "");
    const auto refused = enroll(lost, *ca.root, ca.ca.cert);
    CHECK(refused.status == scep::pki_status::failure);
    CHECK(refused.header.fail_info == scep::fail_info::bad_message_check);
}

TEST_CASE_METHOD(hierarchy_fixture,
                 "--intermediate --ra: requests to the RA encryption certificate or to the issuing CA; "
                 "replies signed by the RA signing certificate")
{
    start(true);
    const client to_ra(1, "");
    const auto rep = enroll(to_ra, ca.ra_enc->cert, ca.ra_sign->cert);
    REQUIRE(rep.status == scep::pki_status::success);
    const auto cert = scep::issued_certificate(rep, *to_ra.key).value();
    CHECK(testca::issued_by(cert, ca.ca.cert));
    CHECK(validates_to_root(cert));

    const client to_ca(2, "");
    const auto rep_ca = enroll(to_ca, ca.ca.cert, ca.ra_sign->cert);
    REQUIRE(rep_ca.status == scep::pki_status::success);
    CHECK(validates_to_root(scep::issued_certificate(rep_ca, *to_ca.key).value()));
}

TEST_CASE_METHOD(hierarchy_fixture, "--intermediate: GetCRL returns the issuing CA's CRL; GetNextCACert the next "
                                    "issuing CA with the root")
{
    start(false);
    const client c(1, "");
    const auto issued = scep::issued_certificate(enroll(c, ca.ca.cert, ca.ca.cert), *c.key).value();
    testca::revoke_serial(store, ca.ca, Botan::BigInt(issued.serial_number()), now, test::rng());

    const auto id = cms::issuer_and_serial::of(issued);
    const auto q = scep::make_get_crl(id, context(c, ca.ca.cert, c.ops.get(), &issued), test::rng()).value();
    const auto crl = scep::verified_crl(exchange(q, c, ca.ca.cert), ca.ca.cert).value();
    CHECK(crl.issuer_dn() == ca.ca.cert.subject_dn());
    CHECK(crl.is_revoked(issued));
    CHECK_FALSE(scep::verified_crl(exchange(q, c, ca.ca.cert), *ca.root));

    const auto next = testca::make_rollover_ca(store, 1024, now, test::rng());
    const auto n = svc->handle("GET", "/scep?operation=GetNextCACert", {}, now);
    REQUIRE(n.status == 200);
    const std::vector<Botan::X509_Certificate> signers{ca.ca.cert};
    const auto chain = scep::verify_next_ca(n.body, signers);
    REQUIRE(chain);
    CHECK(*chain == std::vector<Botan::X509_Certificate>{next.cert, *ca.root});
    CHECK(testca::issued_by(next.cert, *ca.root));
}

TEST_CASE_METHOD(fixture, "GetCACaps, GetCACert and GetNextCACert")
{
    start();
    auto caps = svc->handle("GET", "/cgi-bin/pkiclient.exe?operation=GetCACaps", {}, now);
    CHECK(caps.status == 200);
    CHECK(std::string(caps.body.begin(), caps.body.end()) ==
          "POSTPKIOperation\nSHA-256\nSHA-512\nSHA-1\nAES\nDES3\nRenewal\nGetNextCACert\nSCEPStandard\n");
    CHECK(testca::parse_caps_list("AES, SHA-256  POSTPKIOperation,,") ==
          std::vector<std::string>{"AES", "SHA-256", "POSTPKIOperation"});

    auto ca = svc->handle("GET", "/scep?operation=GetCACert&message=x", {}, now);
    CHECK(ca.status == 200);
    CHECK(ca.content_type == "application/x-x509-ca-cert");
    CHECK(ca.body == ca_id.cert.BER_encode());

    CHECK(svc->handle("GET", "/scep?operation=GetNextCACert", {}, now).status == 404);
    const auto next = testca::make_rollover_ca(store, 1024, now, test::rng());
    auto n = svc->handle("GET", "/scep?operation=GetNextCACert", {}, now);
    CHECK(n.status == 200);
    CHECK(n.content_type == "application/x-x509-next-ca-cert");
    const std::vector<Botan::X509_Certificate> signers{ca_id.cert};
    const auto chain = scep::verify_next_ca(n.body, signers);
    REQUIRE(chain);
    REQUIRE(chain->size() == 1);
    CHECK(chain->front() == next.cert);
}

TEST_CASE_METHOD(fixture, "client mistakes are 400 with a reason, never 500")
{
    start();
    CHECK(svc->handle("GET", "/scep", {}, now).status == 400);
    CHECK(svc->handle("GET", "/scep?operation=Nope", {}, now).status == 400);
    CHECK(svc->handle("PUT", "/scep?operation=GetCACaps", {}, now).status == 405);
    CHECK(svc->handle("GET", "/scep?operation=PKIOperation", {}, now).status == 400);
    CHECK(svc->handle("GET", "/scep?operation=PKIOperation&message=%%%", {}, now).status == 400);
    const bytes garbage{'h', 'e', 'l', 'l', 'o'};
    const auto r = post(garbage);
    CHECK(r.status == 400);
    CHECK(std::string(r.body.begin(), r.body.end()).find("not a usable SCEP pkiMessage") != std::string::npos);
    CHECK(post({}).status == 400);
}

TEST_CASE_METHOD(fixture, "auto-approve: SUCCESS with the CSR's subject and subjectAltName, again on resend")
{
    start();
    const client c(1, "");
    const auto rep = enroll(c);
    REQUIRE(rep.status == scep::pki_status::success);
    const auto cert = scep::issued_certificate(rep, *c.key).value();
    CHECK(cert.subject_dn() == c.subject);
    CHECK(cert.subject_alt_name().get_attribute("DNS") == std::vector<std::string>{"device-1.example.test"});
    CHECK(cert.constraints() == Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT));
    CHECK(cert.check_signature(*ca_id.cert.load_subject_public_key()));
    CHECK(store.find_issued(Botan::BigInt(cert.serial_number())) == cert);

    const auto again = enroll(c);
    CHECK(scep::issued_certificate(again, *c.key).value() == cert);
    CHECK(store.issued().size() == 1);
}

TEST_CASE_METHOD(fixture, "a version-2 request (iOS) is issued, with a warning in the log")
{
    start({.challenge = "pw"});
    const client c(1, "pw");
    const auto v2 = test::csr_with_version(c.csr, 2, *c.ops);
    const auto q = scep::make_request(scep::message_type::pkcs_req, v2, context(c), test::rng()).value();
    const auto r = post(q.body);
    INFO(r.log);
    REQUIRE(r.status == 200);
    CHECK(r.log.find("SUCCESS") != std::string::npos);
    CHECK(r.log.find("warning: the certificate request's version is 2") != std::string::npos);
    const std::vector<Botan::X509_Certificate> trusted{ca_id.cert};
    const auto rep = scep::check_cert_rep(r.body, q.sent, {trusted, cms::software_key(*c.key), c.cert}).value();
    const auto cert = scep::issued_certificate(rep, *c.key).value();
    CHECK(cert.subject_dn() == c.subject);
    CHECK(cert.subject_alt_name().get_attribute("DNS") == std::vector<std::string>{"device-1.example.test"});

    // Its signature still counts: a version-2 request signed by another key is refused.
    const client other(2, "pw");
    const auto forged = test::csr_with_version(c.csr, 2, *other.ops);
    const auto bad = post(scep::make_request(scep::message_type::pkcs_req, forged, context(other), test::rng()).value().body);
    CHECK(bad.log.find("FAILURE badMessageCheck") != std::string::npos);
}

TEST_CASE_METHOD(fixture, "GET PKIOperation, with '+' arriving as a space")
{
    start();
    const client c(1, "");
    const auto q = scep::make_request(scep::message_type::pkcs_req, c.csr, context(c), test::rng()).value();
    auto b64 = Botan::base64_encode(q.body.data(), q.body.size());
    std::string spaced;
    for (char ch : b64)
        spaced += ch == '+' ? std::string("%20") : ch == '/' ? std::string("%2F") : ch == '=' ? "%3D" : std::string(1, ch);
    const auto r = svc->handle("GET", "/anything?operation=PKIOperation&message=" + spaced, {}, now);
    REQUIRE(r.status == 200);
    const std::vector<Botan::X509_Certificate> trusted{ca_id.cert};
    CHECK(scep::check_cert_rep(r.body, q.sent, {trusted, cms::software_key(*c.key), c.cert}).value().status ==
          scep::pki_status::success);
}

TEST_CASE_METHOD(fixture, "challenge: wrong or missing is FAILURE badRequest; right is issued")
{
    testca::policy p;
    p.challenge = "secret";
    start(p);
    for (const auto* pw : {"wrong", ""}) {
        const client c(1, pw);
        const auto rep = enroll(c);
        CHECK(rep.status == scep::pki_status::failure);
        CHECK(rep.header.fail_info == scep::fail_info::bad_request);
    }
    CHECK(store.transactions().empty());
    const client good(1, "secret");
    CHECK(enroll(good).status == scep::pki_status::success);
}

TEST_CASE_METHOD(fixture, "--pending 3, --manual with approve and reject, --reject")
{
    SECTION("pending 3")
    {
        testca::policy p;
        p.pending_polls = 3;
        start(p);
        const client c(1, "");
        CHECK(enroll(c).status == scep::pki_status::pending);
        CHECK(poll(c).status == scep::pki_status::pending);
        CHECK(poll(c).status == scep::pki_status::pending);
        const auto rep = poll(c);
        REQUIRE(rep.status == scep::pki_status::success);
        CHECK(scep::issued_certificate(rep, *c.key));
        CHECK(poll(c).status == scep::pki_status::success);
    }
    SECTION("manual")
    {
        testca::policy p;
        p.manual = true;
        start(p);
        const client a(1, "");
        const client b(2, "");
        CHECK(enroll(a).status == scep::pki_status::pending);
        CHECK(enroll(b).status == scep::pki_status::pending);
        CHECK(poll(a).status == scep::pki_status::pending);
        // What `ascep-testca approve` / `reject` do, from "another process".
        auto ta = store.load_transaction(a.tid).value();
        ta.state = testca::transaction_state::approved;
        store.save_transaction(ta);
        auto tb = store.load_transaction(b.tid).value();
        tb.state = testca::transaction_state::rejected;
        store.save_transaction(tb);
        CHECK(poll(a).status == scep::pki_status::success);
        const auto rb = poll(b);
        CHECK(rb.status == scep::pki_status::failure);
        CHECK(rb.header.fail_info == scep::fail_info::bad_request);
    }
    SECTION("reject")
    {
        testca::policy p;
        p.reject = true;
        start(p);
        const auto rep = enroll(client(1, ""));
        CHECK(rep.status == scep::pki_status::failure);
        CHECK(rep.header.fail_info == scep::fail_info::bad_request);
    }
}

TEST_CASE_METHOD(fixture, "CertPoll for an unknown transaction is FAILURE badCertId")
{
    start();
    const auto rep = poll(client(1, ""));
    CHECK(rep.status == scep::pki_status::failure);
    CHECK(rep.header.fail_info == scep::fail_info::bad_cert_id);
}

TEST_CASE_METHOD(fixture, "requests are verified: bad signature, unknown type, undecryptable")
{
    start();
    const client c(1, "");
    const std::vector<Botan::X509_Certificate> trusted{ca_id.cert};

    SECTION("bad signature: FAILURE badMessageCheck")
    {
        auto q = scep::make_request(scep::message_type::pkcs_req, c.csr, context(c), test::rng()).value();
        q.body.back() ^= 0x01;
        const auto r = post(q.body);
        REQUIRE(r.status == 200);
        const auto rep = scep::check_cert_rep(r.body, q.sent, {trusted, cms::software_key(*c.key), c.cert}).value();
        CHECK(rep.status == scep::pki_status::failure);
        CHECK(rep.header.fail_info == scep::fail_info::bad_message_check);
    }
    SECTION("unknown messageType: FAILURE badRequest")
    {
        const auto q =
            scep::make_request(static_cast<scep::message_type>(99), c.csr, context(c), test::rng()).value();
        const auto rep = exchange(q, *c.key, c.cert).value();
        CHECK(rep.status == scep::pki_status::failure);
        CHECK(rep.header.fail_info == scep::fail_info::bad_request);
    }
    SECTION("encrypted to somebody else: FAILURE badMessageCheck")
    {
        auto ctx = context(c);
        ctx.recipients = {test::self_signed("Other", 4).cert};
        const auto q = scep::make_request(scep::message_type::pkcs_req, c.csr, ctx, test::rng()).value();
        const auto rep = exchange(q, *c.key, c.cert).value();
        CHECK(rep.status == scep::pki_status::failure);
        CHECK(rep.header.fail_info == scep::fail_info::bad_message_check);
    }
    SECTION("a CertRep sent to the CA: FAILURE badRequest")
    {
        const auto q = scep::make_request(scep::message_type::cert_rep, {}, context(c), test::rng()).value();
        const auto rep = exchange(q, *c.key, c.cert).value();
        CHECK(rep.header.fail_info == scep::fail_info::bad_request);
    }
}

TEST_CASE_METHOD(fixture, "RenewalReq signed by an issued certificate; GetCert; GetCRL after revoke")
{
    start();
    const client c(1, "");
    const auto first = scep::issued_certificate(enroll(c), *c.key).value();

    // Renewal: a new key, signed with the old certificate and key.
    const client renewed(2, "");
    const auto q = scep::make_request(scep::message_type::renewal_req, renewed.csr,
                                      context(renewed, c.ops.get(), &first), test::rng())
                       .value();
    const auto rep = exchange(q, *c.key, first).value();
    REQUIRE(rep.status == scep::pki_status::success);
    const auto second = scep::issued_certificate(rep, *renewed.key).value();
    CHECK_FALSE(Botan::BigInt(second.serial_number()) == Botan::BigInt(first.serial_number()));

    // A renewal signed by a stranger's self-signed certificate is refused.
    const client stranger(3, "");
    const auto bad = scep::make_request(scep::message_type::renewal_req, stranger.csr, context(stranger),
                                        test::rng())
                         .value();
    const auto bad_rep = exchange(bad, *stranger.key, stranger.cert).value();
    CHECK(bad_rep.status == scep::pki_status::failure);
    CHECK(bad_rep.header.fail_info == scep::fail_info::bad_message_check);

    // GetCert by serial, with the issued certificate as our identity.
    const auto id = cms::issuer_and_serial::of(first);
    const auto gq = scep::make_get_cert(id, context(c, c.ops.get(), &first), test::rng()).value();
    const auto got = exchange(gq, *c.key, first).value();
    CHECK(scep::requested_certificate(got, id).value() == first);
    auto missing_id = id;
    missing_id.serial += 1000;
    const auto mq = scep::make_get_cert(missing_id, context(c, c.ops.get(), &first), test::rng()).value();
    CHECK(exchange(mq, *c.key, first).value().header.fail_info == scep::fail_info::bad_cert_id);

    // Revoked: on the CRL, and no longer good for renewal.
    testca::revoke_serial(store, {ca_id.key, ca_id.cert}, Botan::BigInt(first.serial_number()), now, test::rng());
    const auto cq = scep::make_get_crl(id, context(c, c.ops.get(), &first), test::rng()).value();
    const auto crl_rep = exchange(cq, *c.key, first).value();
    const auto crl = scep::verified_crl(crl_rep, ca_id.cert).value();
    CHECK(crl.is_revoked(first));

    const client third(3, "");
    const auto rq = scep::make_request(scep::message_type::renewal_req, third.csr,
                                       context(third, c.ops.get(), &first), test::rng())
                        .value();
    const auto refused = exchange(rq, *c.key, first).value();
    CHECK(refused.status == scep::pki_status::failure);
    CHECK(refused.header.fail_info == scep::fail_info::bad_message_check);
    CHECK(refused.header.fail_info_text == std::optional<std::string>("renewal signer is revoked"));

    // The same as a PKCSReq (a CA without Renewal in its caps gets that).
    const auto pq = scep::make_request(scep::message_type::pkcs_req, third.csr,
                                       context(third, c.ops.get(), &first), test::rng())
                        .value();
    const auto refused_pkcs = exchange(pq, *c.key, first).value();
    CHECK(refused_pkcs.status == scep::pki_status::failure);
    CHECK(refused_pkcs.header.fail_info == scep::fail_info::bad_message_check);
}

TEST_CASE_METHOD(fixture, "a PKCSReq signed by an issued certificate needs no challenge; a foreign one is refused")
{
    testca::policy rules;
    rules.challenge = "secret";
    start(rules);
    const client c(1, "secret");
    const auto first = scep::issued_certificate(enroll(c), *c.key).value();

    // A new key without a challenge, signed by the certificate: issued.
    const client renewed(2, "");
    const auto q = scep::make_request(scep::message_type::pkcs_req, renewed.csr,
                                      context(renewed, c.ops.get(), &first), test::rng())
                       .value();
    const auto rep = exchange(q, *c.key, first).value();
    REQUIRE(rep.status == scep::pki_status::success);
    CHECK(scep::issued_certificate(rep, *renewed.key).value().subject_public_key_bitstring() ==
          renewed.key->public_key_bits());

    // Signed by a certificate another CA issued: badMessageCheck, even with
    // the right challenge in the request.
    const auto other_ca = test::self_signed("Other CA", 4);
    const client stranger(3, "secret");
    const auto foreign = test::issue(other_ca, *stranger.key, "device-1");
    const auto fq = scep::make_request(scep::message_type::pkcs_req, stranger.csr,
                                       context(stranger, nullptr, &foreign), test::rng())
                        .value();
    const auto refused = exchange(fq, *stranger.key, foreign).value();
    CHECK(refused.status == scep::pki_status::failure);
    CHECK(refused.header.fail_info == scep::fail_info::bad_message_check);
}

TEST_CASE_METHOD(fixture, "--crash-after-issue 2: the second issuance, durable, crashes before its reply; resends "
                          "do not count")
{
    opts.crash_after_issue = 2;
    std::vector<std::string> crashes;
    std::size_t issued_at_crash = 0;
    opts.crash = [&](const std::string& line) {
        crashes.push_back(line);
        issued_at_crash = store.issued().size();
    };
    start();
    const client first(1, ""), second(2, ""), third(3, "");
    const auto cert1 = scep::issued_certificate(enroll(first), *first.key).value();
    CHECK(crashes.empty());
    // The same transaction again is a resend, not an issuance.
    CHECK(scep::issued_certificate(enroll(first), *first.key).value() == cert1);
    CHECK(crashes.empty());
    const auto cert2 = scep::issued_certificate(enroll(second), *second.key).value();
    REQUIRE(crashes.size() == 1);
    CHECK(issued_at_crash == 2); // the certificate was in the state directory before the crash
    CHECK(crashes[0].find("--crash-after-issue 2: issued serial=") == 0);
    // After the restart the transaction is answered with the same certificate.
    CHECK(scep::issued_certificate(enroll(second), *second.key).value() == cert2);
    scep::issued_certificate(enroll(third), *third.key).value();
    CHECK(crashes.size() == 1); // only the N-th
}

TEST_CASE_METHOD(fixture, "a CA killed between writing a certificate and marking its transaction issued sends that "
                          "certificate again, never a second one")
{
    start();
    const client c(1, "");
    const auto cert = scep::issued_certificate(enroll(c), *c.key).value();
    // The state a kill -9 leaves between the certificate and the last
    // record: the transaction names its serial but is not yet `issued`.
    auto t = store.load_transaction(c.tid).value();
    REQUIRE(t.serial);
    t.state = testca::transaction_state::pending;
    store.save_transaction(t);

    CHECK(scep::issued_certificate(enroll(c), *c.key).value() == cert);
    CHECK(store.issued().size() == 1);
    CHECK(store.load_transaction(c.tid).value().state == testca::transaction_state::issued);
}

TEST_CASE_METHOD(fixture, "a CA killed between recording a transaction as issued and writing its certificate "
                          "issues it when the request comes again: one certificate, a gap in the serials")
{
    start();
    const client c(1, "");
    const auto first = scep::issued_certificate(enroll(c), *c.key).value();
    // The state a kill -9 leaves between the two writes: the transaction
    // says issued, with its serial, and the certificate is not there.
    const auto recorded = store.load_transaction(c.tid).value();
    REQUIRE(recorded.state == testca::transaction_state::issued);
    REQUIRE(recorded.serial);
    REQUIRE(std::filesystem::remove(dir.path() / "issued" / (testca::serial_hex(*recorded.serial) + ".crt")));

    const auto cert = scep::issued_certificate(enroll(c), *c.key).value();
    CHECK(Botan::BigInt(cert.serial_number()) != *recorded.serial); // a gap, never a serial reused
    CHECK(cert.subject_public_key_info() == first.subject_public_key_info());
    REQUIRE(store.issued().size() == 1);
    CHECK(store.issued().front() == cert);
    const auto t = store.load_transaction(c.tid).value();
    CHECK(t.state == testca::transaction_state::issued);
    CHECK(t.serial == Botan::BigInt(cert.serial_number()));
    // And from then on it is resent.
    CHECK(scep::issued_certificate(enroll(c), *c.key).value() == cert);
    CHECK(store.issued().size() == 1);
}
