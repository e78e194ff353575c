// What the test CA answers to an enrollment, decided without I/O: the
// policies of the command line (--challenge, --pending N, --manual,
// --reject) applied to what is known of the request and of its transaction.
#pragma once

#include "scep/types.hpp"
#include "testca/transaction.hpp"

#include <optional>
#include <string>

namespace ascep::testca {

struct policy {
    /// --challenge: a PKCSReq must carry this challengePassword. nullopt: none asked.
    std::optional<std::string> challenge;
    /// --pending N: PENDING to the request and to the first N-1 CertPolls.
    unsigned pending_polls = 0;
    /// --manual: PENDING until `approve` or `reject`.
    bool manual = false;
    /// --reject: FAILURE badRequest to every enrollment.
    bool reject = false;
    /// --strict, for tests that must be able to fail: `challenge` is asked
    /// of every PKCSReq and RenewalReq, renewals signed by a certificate
    /// issued here and requests resent under a known transactionID too.
    bool strict = false;
};

enum class verdict {
    issue,  // issue a new certificate and answer SUCCESS
    resend, // answer SUCCESS with the certificate already issued for this transaction
    pending,
    refuse, // answer FAILURE with `fail`
};

struct decision {
    verdict what = verdict::refuse;
    scep::fail_info fail = scep::fail_info::bad_request;
    std::string reason;
};

/// What is known of a PKCSReq or RenewalReq before deciding.
struct request_facts {
    scep::message_type type = scep::message_type::pkcs_req;
    /// The CSR's challengePassword (empty when absent).
    std::string challenge;
    /// Signed by a valid, unrevoked certificate this CA issued (renewal);
    /// such a request needs no challenge.
    bool signed_by_issued = false;
    /// The signer names itself as its issuer: the throwaway self-signed
    /// certificate of a first enrollment, which proves nothing but the key.
    bool signer_self_issued = true;
    /// Why the signer is not a valid, unrevoked certificate this CA issued
    /// (not issued here, expired, revoked); empty when it is. A RenewalReq,
    /// and a PKCSReq signed by a certificate that is not self-issued, are
    /// refused with badMessageCheck when it is set, as NDES and EJBCA do.
    std::string renewal_problem;
    /// The CSR's key is the key of the transaction's stored CSR.
    bool same_key_as_stored = true;
    /// A RenewalReq signed by the very certificate this transaction issued:
    /// a new certificate is wanted, not the old one again.
    bool renews_stored = false;
};

/// Decides a PKCSReq or RenewalReq. `stored` is the transaction of the same
/// ID if there is one (then a resent request counts as a poll). Updates
/// `stored` (polls) when it counts as a poll.
decision decide_request(const policy& p, const request_facts& facts, transaction* stored);

/// Decides a CertPoll of `t` and counts it in t.polls.
decision decide_poll(const policy& p, transaction& t);

/// The state a new transaction is stored in after `d` (pending or issued);
/// nullopt when nothing is to be stored (a refusal).
std::optional<transaction_state> state_after(const decision& d);

} // namespace ascep::testca
