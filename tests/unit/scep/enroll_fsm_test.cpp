// The enrollment state machine driven by scripted CA replies, in the style of
// Boost.MySQL's algo tests: events in, actions out, no sockets, no timers.
#include "asn1/ber.hpp"
#include "cms/software_key.hpp"
#include "cms/error.hpp"
#include "scep/enroll_fsm.hpp"
#include "scep/error.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace ascep;
using namespace std::chrono_literals;
using clock_type = std::chrono::system_clock;

namespace {

struct scripted_ca {
    test::identity ca = test::self_signed("Scripted CA", 0);
    std::shared_ptr<Botan::RSA_PrivateKey> client_key = test::cached_key(1);
    std::vector<scep::incoming_message> received;

    scep::enroll_params params(bool resume = false) const
    {
        const auto now = clock_type::now();
        const test::request_spec csr{.subject = "CN=device-7"};
        scep::enroll_params p;
        p.csr = test::make_request(*client_key, csr);
        p.subject = test::request_subject(csr);
        p.csr_key = client_key;
        p.signer_key = std::make_shared<const cms::software_key>(client_key);
        p.signer_cert = scep::make_self_signed(cms::software_key(*client_key), p.subject, now, test::rng());
        p.ca_cert = ca.cert;
        p.recipients = {ca.cert};
        p.trusted_signers = {ca.cert};
        p.transaction_id = scep::transaction_id_for(*client_key);
        p.polling = {60s, 3600s, 5};
        p.resume = resume;
        return p;
    }

    /// Opens a request as a CA would and answers it with `content`.
    std::vector<std::uint8_t> answer(const scep::send_message& m, scep::reply_content content)
    {
        auto msg = scep::parse_pki_message(m.body).value();
        const std::vector<Botan::X509_Certificate> carried = msg.signed_data.certificates;
        REQUIRE_FALSE(scep::verify_signature(msg, carried));
        const auto requester = *msg.signed_data.find_certificate(msg.signer().sid);
        if (content.status == scep::pki_status::success && content.certificates.empty())
            content.certificates = {test::issue(ca, *client_key, "device-7"), ca.cert};
        std::vector<std::uint8_t> nonce(16, 0x33);
        auto reply = scep::make_cert_rep(msg, requester, content, {cms::software_key(*ca.key), ca.cert}, nonce,
                                         asn1::cipher_algorithm::aes128_cbc, clock_type::now(), test::rng())
                         .value();
        received.push_back(std::move(msg));
        return reply;
    }

    std::vector<std::uint8_t> answer(const scep::send_message& m, scep::pki_status status)
    {
        scep::reply_content c;
        c.status = status;
        if (status == scep::pki_status::failure)
            c.fail_info = scep::fail_info::bad_request;
        return answer(m, c);
    }
};

template <typename T>
const T& expect(const scep::enroll_action& a)
{
    REQUIRE(std::holds_alternative<T>(a));
    return std::get<T>(a);
}

} // namespace

TEST_CASE_METHOD(scripted_ca, "PENDING, CertPoll, PENDING, CertPoll, SUCCESS")
{
    scep::enroll_fsm fsm(params(), test::rng());
    auto t = clock_type::now();
    auto req = expect<scep::send_message>(fsm.resume(scep::started{}, t));
    CHECK(req.type == scep::message_type::pkcs_req);
    CHECK(req.attempt == 1);

    for (unsigned poll = 2; poll <= 3; ++poll) {
        const auto reply = answer(req, scep::pki_status::pending);
        const auto wait = expect<scep::wait_for>(fsm.resume(scep::reply_received{reply}, t));
        CHECK(wait.delay == 60s);
        t += wait.delay;
        req = expect<scep::send_message>(fsm.resume(scep::timer_expired{}, t));
        CHECK(req.type == scep::message_type::cert_poll);
        CHECK(req.attempt == poll);
    }
    const auto reply = answer(req, scep::pki_status::success);
    const auto done = expect<scep::finished>(fsm.resume(scep::reply_received{reply}, t));
    CHECK_FALSE(done.result.error);
    CHECK(done.result.status == scep::pki_status::success);
    REQUIRE(done.result.certificate);
    CHECK(done.result.certificate->subject_public_key_bitstring() == client_key->public_key_bits());
    REQUIRE(done.result.chain.size() == 1);
    CHECK(done.result.chain[0] == ca.cert);
    CHECK(done.result.messages_sent == 3);

    // One transaction, a fresh nonce per message, CertPoll names CA and subject.
    REQUIRE(received.size() == 3);
    std::set<std::vector<std::uint8_t>> nonces;
    for (const auto& m : received) {
        CHECK(m.header.transaction_id == scep::transaction_id_for(*client_key));
        nonces.insert(*m.header.sender_nonce);
    }
    CHECK(nonces.size() == 3);
    const auto poll_data = cms::decrypt(*received[1].envelope, *ca.key, ca.cert).value();
    const auto names = asn1::children(asn1::read_single(poll_data));
    REQUIRE(names.size() == 2);
    CHECK(asn1::encode_tlv(names[0]) == ca.cert.raw_subject_dn());
}

TEST_CASE_METHOD(scripted_ca, "polling stops at -n messages and reports PENDING")
{
    scep::enroll_fsm fsm(params(), test::rng()); // max_count 5
    auto t = clock_type::now();
    auto req = expect<scep::send_message>(fsm.resume(scep::started{}, t));
    for (int i = 0; i < 4; ++i) {
        const auto reply = answer(req, scep::pki_status::pending);
        t += expect<scep::wait_for>(fsm.resume(scep::reply_received{reply}, t)).delay;
        req = expect<scep::send_message>(fsm.resume(scep::timer_expired{}, t));
    }
    CHECK(req.attempt == 5);
    const auto reply = answer(req, scep::pki_status::pending);
    const auto done = expect<scep::finished>(fsm.resume(scep::reply_received{reply}, t));
    CHECK_FALSE(done.result.error);
    CHECK(done.result.status == scep::pki_status::pending);
    CHECK_FALSE(done.result.certificate);
}

TEST_CASE_METHOD(scripted_ca, "polling stops at -T and never waits past it")
{
    auto p = params();
    p.polling = {60s, 100s, 1000};
    scep::enroll_fsm fsm(p, test::rng());
    auto t = clock_type::now();
    auto req = expect<scep::send_message>(fsm.resume(scep::started{}, t));
    auto reply = answer(req, scep::pki_status::pending);
    CHECK(expect<scep::wait_for>(fsm.resume(scep::reply_received{reply}, t)).delay == 60s);
    t += 60s;
    req = expect<scep::send_message>(fsm.resume(scep::timer_expired{}, t));
    reply = answer(req, scep::pki_status::pending);
    CHECK(expect<scep::wait_for>(fsm.resume(scep::reply_received{reply}, t)).delay == 40s);
    t += 40s;
    req = expect<scep::send_message>(fsm.resume(scep::timer_expired{}, t));
    reply = answer(req, scep::pki_status::pending);
    CHECK(expect<scep::finished>(fsm.resume(scep::reply_received{reply}, t)).result.status ==
          scep::pki_status::pending);
}

TEST_CASE_METHOD(scripted_ca, "FAILURE ends the enrollment with its failInfo")
{
    scep::enroll_fsm fsm(params(), test::rng());
    const auto t = clock_type::now();
    const auto req = expect<scep::send_message>(fsm.resume(scep::started{}, t));
    const auto reply = answer(req, scep::pki_status::failure);
    const auto done = expect<scep::finished>(fsm.resume(scep::reply_received{reply}, t));
    CHECK_FALSE(done.result.error);
    CHECK(done.result.status == scep::pki_status::failure);
    CHECK(done.result.fail_info == scep::fail_info::bad_request);
}

TEST_CASE_METHOD(scripted_ca, "resume (-R) starts with CertPoll under the same transaction")
{
    scep::enroll_fsm fsm(params(true), test::rng());
    const auto t = clock_type::now();
    const auto req = expect<scep::send_message>(fsm.resume(scep::started{}, t));
    CHECK(req.type == scep::message_type::cert_poll);
    const auto reply = answer(req, scep::pki_status::success);
    CHECK(expect<scep::finished>(fsm.resume(scep::reply_received{reply}, t)).result.certificate);
    CHECK(received.at(0).header.transaction_id == scep::transaction_id_for(*client_key));
}

TEST_CASE_METHOD(scripted_ca, "a bad reply at any step ends with its error and no certificate")
{
    // Inject the failure at step 1, 2 and 3 of a PENDING, PENDING, SUCCESS run.
    for (int bad_step = 1; bad_step <= 3; ++bad_step) {
        CAPTURE(bad_step);
        scep::enroll_fsm fsm(params(), test::rng());
        auto t = clock_type::now();
        auto req = expect<scep::send_message>(fsm.resume(scep::started{}, t));
        for (int step = 1;; ++step) {
            auto reply = answer(req, step == 3 ? scep::pki_status::success : scep::pki_status::pending);
            if (step == bad_step) {
                reply.back() ^= 0x01; // breaks the signature
                const auto done = expect<scep::finished>(fsm.resume(scep::reply_received{reply}, t));
                CHECK(done.result.error == cms::errc::bad_signature);
                CHECK_FALSE(done.result.certificate);
                break;
            }
            t += expect<scep::wait_for>(fsm.resume(scep::reply_received{reply}, t)).delay;
            req = expect<scep::send_message>(fsm.resume(scep::timer_expired{}, t));
        }
    }
}

TEST_CASE_METHOD(scripted_ca, "a certificate issued for another key is refused")
{
    scep::enroll_fsm fsm(params(), test::rng());
    const auto t = clock_type::now();
    const auto req = expect<scep::send_message>(fsm.resume(scep::started{}, t));
    scep::reply_content c;
    c.status = scep::pki_status::success;
    c.certificates = {test::issue(ca, *test::cached_key(2), "someone else")};
    const auto reply = answer(req, c);
    const auto done = expect<scep::finished>(fsm.resume(scep::reply_received{reply}, t));
    CHECK(done.result.error == scep::errc::wrong_public_key);
    CHECK_FALSE(done.result.certificate);
}

TEST_CASE_METHOD(scripted_ca, "a reply when nothing was sent is refused")
{
    scep::enroll_fsm fsm(params(), test::rng());
    const std::vector<std::uint8_t> junk{0x30, 0x00};
    const auto done = expect<scep::finished>(fsm.resume(scep::reply_received{junk}, clock_type::now()));
    CHECK(done.result.error == scep::errc::unexpected_message_type);
}
