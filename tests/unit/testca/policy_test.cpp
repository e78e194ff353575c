// The test CA's policies as a pure function: request facts and the stored
// transaction in, a verdict out.
#include "testca/policy.hpp"

#include <catch2/catch.hpp>

using namespace ascep;
using testca::verdict;

namespace {

testca::request_facts facts(std::string challenge = "secret")
{
    testca::request_facts f;
    f.challenge = std::move(challenge);
    return f;
}

testca::transaction pending_transaction()
{
    testca::transaction t;
    t.id = "T1";
    t.state = testca::transaction_state::pending;
    return t;
}

} // namespace

TEST_CASE("auto-approve issues at once; the challenge is checked")
{
    testca::policy p;
    CHECK(testca::decide_request(p, facts(), nullptr).what == verdict::issue);
    p.challenge = "secret";
    CHECK(testca::decide_request(p, facts(), nullptr).what == verdict::issue);
    const auto wrong = testca::decide_request(p, facts("guess"), nullptr);
    CHECK(wrong.what == verdict::refuse);
    CHECK(wrong.fail == scep::fail_info::bad_request);
    CHECK(wrong.reason == "wrong challenge password");
    CHECK(testca::decide_request(p, facts(""), nullptr).reason == "challenge password missing");

    auto renewal = facts("");
    renewal.signed_by_issued = true;
    CHECK(testca::decide_request(p, renewal, nullptr).what == verdict::issue);
}

TEST_CASE("--pending N: PENDING to the request and N-1 polls, then issued")
{
    testca::policy p;
    p.pending_polls = 3;
    CHECK(testca::decide_request(p, facts(), nullptr).what == verdict::pending);
    auto t = pending_transaction();
    CHECK(testca::decide_poll(p, t).what == verdict::pending);
    CHECK(testca::decide_poll(p, t).what == verdict::pending);
    CHECK(testca::decide_poll(p, t).what == verdict::issue);
    CHECK(t.polls == 3);

    p.pending_polls = 1;
    auto once = pending_transaction();
    CHECK(testca::decide_poll(p, once).what == verdict::issue);
}

TEST_CASE("a resent request counts as a poll and gets the issued certificate again")
{
    testca::policy p;
    p.pending_polls = 2;
    auto t = pending_transaction();
    CHECK(testca::decide_request(p, facts(), &t).what == verdict::pending);
    CHECK(t.polls == 1);
    CHECK(testca::decide_request(p, facts(), &t).what == verdict::issue);

    t.state = testca::transaction_state::issued;
    CHECK(testca::decide_request(p, facts(), &t).what == verdict::resend);
    CHECK(testca::decide_poll(p, t).what == verdict::resend);

    auto other_key = facts();
    other_key.same_key_as_stored = false;
    CHECK(testca::decide_request(p, other_key, &t).what == verdict::refuse);

    // Renewing the certificate this transaction issued is a new request.
    auto renew = facts();
    renew.type = scep::message_type::renewal_req;
    renew.signed_by_issued = true;
    renew.renews_stored = true;
    p.pending_polls = 0;
    CHECK(testca::decide_request(p, renew, &t).what == verdict::issue);
}

TEST_CASE("--manual waits for approve or reject")
{
    testca::policy p;
    p.manual = true;
    CHECK(testca::decide_request(p, facts(), nullptr).what == verdict::pending);
    auto t = pending_transaction();
    for (int i = 0; i < 5; ++i)
        CHECK(testca::decide_poll(p, t).what == verdict::pending);
    t.state = testca::transaction_state::approved;
    CHECK(testca::decide_poll(p, t).what == verdict::issue);
    t.state = testca::transaction_state::rejected;
    const auto d = testca::decide_poll(p, t);
    CHECK(d.what == verdict::refuse);
    CHECK(d.fail == scep::fail_info::bad_request);
}

TEST_CASE("--reject refuses everything; a bad renewal signer is refused")
{
    testca::policy p;
    p.reject = true;
    CHECK(testca::decide_request(p, facts(), nullptr).what == verdict::refuse);
    auto t = pending_transaction();
    CHECK(testca::decide_poll(p, t).what == verdict::refuse);

    testca::policy open;
    auto renewal = facts();
    renewal.type = scep::message_type::renewal_req;
    renewal.renewal_problem = "renewal signer is revoked";
    const auto d = testca::decide_request(open, renewal, nullptr);
    CHECK(d.what == verdict::refuse);
    CHECK(d.fail == scep::fail_info::bad_message_check);
    CHECK(d.reason == "renewal signer is revoked");
}

TEST_CASE("a PKCSReq signed by a certificate must be signed by a good one of ours; then no challenge is asked")
{
    testca::policy p;
    p.challenge = "secret";

    // Signed by a valid certificate this CA issued: no challenge needed.
    auto renewal = facts("");
    renewal.signer_self_issued = false;
    renewal.signed_by_issued = true;
    CHECK(testca::decide_request(p, renewal, nullptr).what == verdict::issue);
    // ... and --pending applies to it as to any request.
    p.pending_polls = 2;
    CHECK(testca::decide_request(p, renewal, nullptr).what == verdict::pending);
    p.pending_polls = 0;

    // Signed by a revoked, expired or foreign certificate: badMessageCheck,
    // even with the right challenge.
    auto foreign = facts("secret");
    foreign.signer_self_issued = false;
    foreign.renewal_problem = "renewal signer was not issued by this CA";
    const auto d = testca::decide_request(p, foreign, nullptr);
    CHECK(d.what == verdict::refuse);
    CHECK(d.fail == scep::fail_info::bad_message_check);
    CHECK(d.reason == "renewal signer was not issued by this CA");

    // The self-signed certificate of a first enrollment is not a claim: the
    // challenge decides.
    auto first = facts("secret");
    first.renewal_problem = "renewal signer was not issued by this CA";
    CHECK(testca::decide_request(p, first, nullptr).what == verdict::issue);
    first.challenge = "guess";
    CHECK(testca::decide_request(p, first, nullptr).fail == scep::fail_info::bad_request);
}

TEST_CASE("what a decision leaves in the store")
{
    CHECK(testca::state_after({verdict::issue, {}, ""}) == testca::transaction_state::issued);
    CHECK(testca::state_after({verdict::pending, {}, ""}) == testca::transaction_state::pending);
    CHECK_FALSE(testca::state_after({verdict::refuse, {}, ""}));
    for (auto s : {testca::transaction_state::pending, testca::transaction_state::approved,
                   testca::transaction_state::rejected, testca::transaction_state::issued})
        CHECK(testca::transaction_state_from(testca::name(s)) == s);
    CHECK_FALSE(testca::transaction_state_from("done"));
}
