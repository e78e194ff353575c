#include "testca/policy.hpp"

namespace ascep::testca {
namespace {

decision refuse(std::string reason, scep::fail_info f = scep::fail_info::bad_request)
{
    return {verdict::refuse, f, std::move(reason)};
}

decision pending(std::string reason)
{
    return {verdict::pending, scep::fail_info::bad_request, std::move(reason)};
}

} // namespace

std::string_view name(transaction_state s)
{
    switch (s) {
    case transaction_state::pending: return "pending";
    case transaction_state::approved: return "approved";
    case transaction_state::rejected: return "rejected";
    case transaction_state::issued: return "issued";
    }
    return "pending";
}

std::optional<transaction_state> transaction_state_from(std::string_view text)
{
    for (auto s : {transaction_state::pending, transaction_state::approved, transaction_state::rejected,
                   transaction_state::issued})
        if (name(s) == text)
            return s;
    return std::nullopt;
}

decision decide_poll(const policy& p, transaction& t)
{
    if (p.reject)
        return refuse("rejected by policy (--reject)");
    switch (t.state) {
    case transaction_state::issued: return {verdict::resend, {}, "already issued"};
    case transaction_state::rejected: return refuse("rejected by the operator");
    case transaction_state::approved: return {verdict::issue, {}, "approved by the operator"};
    case transaction_state::pending: break;
    }
    if (p.manual)
        return pending("waiting for approval (--manual)");
    ++t.polls;
    if (t.polls >= p.pending_polls)
        return {verdict::issue, {}, "poll " + std::to_string(t.polls) + " of " + std::to_string(p.pending_polls)};
    return pending("poll " + std::to_string(t.polls) + " of " + std::to_string(p.pending_polls));
}

decision decide_request(const policy& p, const request_facts& facts, transaction* stored)
{
    if (p.reject)
        return refuse("rejected by policy (--reject)");
    // A request that claims an existing certificate must hold one: signed by
    // a certificate of ours that is neither expired nor revoked.
    const bool claims_certificate = facts.type == scep::message_type::renewal_req || !facts.signer_self_issued;
    if (claims_certificate && !facts.renewal_problem.empty())
        return refuse(facts.renewal_problem, scep::fail_info::bad_message_check);
    const bool challenge_asked = p.challenge && (p.strict || !facts.signed_by_issued);
    const bool challenge_wrong = challenge_asked && facts.challenge != *p.challenge;
    if (p.strict && challenge_wrong)
        return refuse(facts.challenge.empty() ? "challenge password missing (--strict)"
                                              : "wrong challenge password (--strict)");

    if (stored && !(stored->state == transaction_state::issued && facts.renews_stored)) {
        // The same transaction again: a client that lost our reply, or sscep
        // -R. Another key under the same ID is somebody else's request.
        if (!facts.same_key_as_stored)
            return refuse("transactionID already used with another key");
        return decide_poll(p, *stored);
    }

    if (challenge_wrong)
        return refuse(facts.challenge.empty() ? "challenge password missing" : "wrong challenge password");
    if (p.manual)
        return pending("waiting for approval (--manual)");
    if (p.pending_polls > 0)
        return pending("poll 0 of " + std::to_string(p.pending_polls));
    return {verdict::issue, {}, "auto-approved"};
}

std::optional<transaction_state> state_after(const decision& d)
{
    switch (d.what) {
    case verdict::issue:
    case verdict::resend: return transaction_state::issued;
    case verdict::pending: return transaction_state::pending;
    case verdict::refuse: break;
    }
    return std::nullopt;
}

} // namespace ascep::testca
