#include "testca/service.hpp"

#include "asn1/rfc4514.hpp"
#include "cms/x509_cache.hpp"
#include "scep/csr.hpp"
#include "scep/message_data.hpp"
#include "testca/service_exchange.hpp"

#include <botan/x509_key.h>

#include <cstdlib>
#include <iostream>

namespace ascep::testca {

using detail::short_text;
using detail::signer_text;

http_reply service::apply(exchange& ex, const decision& d, transaction& t)
{
    switch (d.what) {
    case verdict::refuse:
        store_.save_transaction(t); // counted polls survive
        return refuse(ex, d.fail, d.reason);
    case verdict::pending: {
        t.state = transaction_state::pending;
        store_.save_transaction(t);
        scep::reply_content c;
        c.status = scep::pki_status::pending;
        return reply(ex, c, "PENDING (" + d.reason + ")");
    }
    case verdict::resend: {
        const auto cert = t.serial ? store_.find_issued(*t.serial) : std::nullopt;
        if (cert) {
            scep::reply_content c;
            c.certificates = {*cert};
            return reply(ex, c, "SUCCESS serial=" + serial_hex(*t.serial) + " (resent)");
        }
        // Recorded as issued, and the certificate is not there: this CA
        // stopped between the two writes below. Issue it now.
        return issue(ex, t, "issued after a crash");
    }
    case verdict::issue: break;
    }

    // Recorded with a serial but not as issued: a state directory from an
    // earlier version that stopped between its writes.
    if (t.serial) {
        if (const auto earlier = store_.find_issued(*t.serial)) {
            t.state = transaction_state::issued;
            store_.save_transaction(t);
            scep::reply_content c;
            c.certificates = {*earlier};
            return reply(ex, c, "SUCCESS serial=" + serial_hex(*t.serial) + " (issued before a crash, resent)");
        }
    }
    return issue(ex, t, d.reason);
}

http_reply service::issue(exchange& ex, transaction& t, const std::string& reason)
{
    const auto csr = scep::read_csr(t.csr);
    if (!csr)
        return refuse(ex, scep::fail_info::bad_request, "the stored request is not a PKCS#10 request");
    // The transaction is recorded as issued, with its serial, before the
    // certificate is written, and written once: a CA killed between the two
    // writes finds, when the request comes again, an issued transaction
    // without its certificate, and issues it then (above) under a new
    // serial, rather than a second certificate for one transaction. A
    // recorded serial without its certificate is a gap in the serials.
    const auto serial = store_.allocate_serial();
    t.serial = serial;
    t.state = transaction_state::issued;
    store_.save_transaction(t);
    const auto cert = issue_certificate(ca_.ca, *csr, serial, opts_.validity, ex.now, rng_);
    store_.save_issued(cert);
    if (opts_.crash_after_issue != 0 && ++issued_ == opts_.crash_after_issue) {
        if (store_.take_dirty())
            store_.sync(); // "durable", then the crash
        const auto line = "--crash-after-issue " + std::to_string(issued_) + ": issued serial=" + serial_hex(serial) +
                          " tid=" + short_text(t.id) + ", exiting before the reply";
        if (!opts_.crash) {
            std::cerr << "ascep-testca: " << line << std::endl;
            std::_Exit(crash_exit_code);
        }
        opts_.crash(line);
    }
    scep::reply_content c;
    c.certificates = {cert};
    return reply(ex, c, "SUCCESS serial=" + serial_hex(serial) + " (" + reason + ")");
}

http_reply service::enroll(exchange& ex)
{
    // scep::read_csr, not Botan's PKCS10_Request: iOS devices send version 2,
    // which Botan refuses and real CAs take (logged as a warning).
    const auto csr = scep::read_csr(ex.request.message_data);
    if (!csr)
        return refuse(ex, scep::fail_info::bad_request, "messageData is not a PKCS#10 request");
    if (const auto warning = scep::csr_version_warning(*csr))
        ex.what += " [warning: " + *warning + "]";
    {
        // From the cache the request's signer filled: a device signs its
        // first request with a certificate of the CSR's own key.
        std::shared_ptr<const Botan::Public_Key> csr_key;
        try {
            csr_key = cms::public_key_from_spki(csr->subject_public_key_info);
        } catch (const std::exception&) {
            return refuse(ex, scep::fail_info::bad_request, "the CSR's public key does not load");
        }
        if (!scep::csr_signature_verifies(ex.request.message_data, *csr_key))
            return refuse(ex, scep::fail_info::bad_message_check, "the CSR's signature does not verify");
    }
    const auto challenge = scep::challenge_password(*csr);
    if (!challenge)
        return refuse(ex, scep::fail_info::bad_request, "the CSR's challengePassword does not decode");

    const auto held = store_.lock();
    const auto& h = ex.request.message.header;
    auto stored = store_.load_transaction(h.transaction_id);
    const auto crl = store_.crl();
    const auto& signer = ex.request.signer;

    request_facts facts;
    facts.type = h.type;
    facts.challenge = *challenge;
    auto problem = renewal_problem(ca_.ca, signer, crl, ex.now);
    if (problem.empty()) {
        const auto ours = store_.find_issued(Botan::BigInt(signer.serial_number()));
        if (!ours || !(*ours == signer))
            problem = "renewal signer is not a certificate this CA issued";
    }
    facts.signed_by_issued = problem.empty();
    facts.signer_self_issued = signer.issuer_dn() == signer.subject_dn();
    facts.renewal_problem = problem;
    if (stored) {
        const auto stored_csr = scep::read_csr(stored->csr);
        facts.same_key_as_stored = stored_csr && stored_csr->subject_public_key_info == csr->subject_public_key_info;
        facts.renews_stored = stored->state == transaction_state::issued && stored->serial &&
                              facts.signed_by_issued && *stored->serial == Botan::BigInt(signer.serial_number());
    }

    const bool fresh = !stored || (stored->state == transaction_state::issued && facts.renews_stored);
    // --strict: a request resent under a known transactionID counts as a
    // poll, as always, but the log says which it was, and who signed it.
    if (opts_.rules.strict)
        ex.what += std::string(fresh ? " new " : " resent ") + signer_text(signer, facts.signed_by_issued);
    if (!fresh && doomed_.count(stored->id) != 0)
        return doomed_poll(ex, *stored);
    const auto d = decide_request(opts_.rules, facts, stored ? &*stored : nullptr);
    if (!fresh)
        return apply(ex, d, *stored);
    if (d.what == verdict::refuse)
        return refuse(ex, d.fail, d.reason);

    transaction t;
    t.id = h.transaction_id;
    t.type = h.type;
    t.csr = ex.request.message_data;
    t.subject = asn1::rfc4514(csr->subject);
    t.created = std::chrono::duration_cast<std::chrono::seconds>(ex.now.time_since_epoch()).count();
    const auto doom = faults_.draw([](fault_kind k) { return k == fault_kind::pending_then_failure; });
    if (!doom.empty()) {
        // --faults pending-then-failure=N: PENDING now and to N more polls, then FAILURE.
        doomed_[t.id] = doom.front().count;
        ex.fault = "pending-then-failure";
        return apply(ex, {verdict::pending, scep::fail_info::bad_request, "fault pending-then-failure"}, t);
    }
    return apply(ex, d, t);
}

http_reply service::doomed_poll(exchange& ex, transaction& t)
{
    ex.fault = "pending-then-failure";
    auto& left = doomed_[t.id];
    ++t.polls;
    if (left > 0) {
        --left;
        return apply(ex, {verdict::pending, scep::fail_info::bad_request, "fault pending-then-failure"}, t);
    }
    doomed_.erase(t.id);
    t.state = transaction_state::rejected;
    return apply(ex, {verdict::refuse, scep::fail_info::bad_request, "fault pending-then-failure"}, t);
}

http_reply service::poll(exchange& ex)
{
    if (!scep::parse_issuer_and_subject(ex.request.message_data))
        return refuse(ex, scep::fail_info::bad_request, "messageData is not an IssuerAndSubject");
    const auto held = store_.lock();
    auto stored = store_.load_transaction(ex.request.message.header.transaction_id);
    if (opts_.rules.strict) {
        const auto& signer = ex.request.signer;
        const auto ours = store_.find_issued(Botan::BigInt(signer.serial_number()));
        ex.what += " poll " + signer_text(signer, ours && *ours == signer);
    }
    if (!stored)
        return refuse(ex, scep::fail_info::bad_cert_id, "no such transaction");
    if (doomed_.count(stored->id) != 0)
        return doomed_poll(ex, *stored);
    const auto d = decide_poll(opts_.rules, *stored);
    return apply(ex, d, *stored);
}

http_reply service::get_cert(exchange& ex)
{
    const auto id = scep::parse_issuer_and_serial(ex.request.message_data);
    if (!id)
        return refuse(ex, scep::fail_info::bad_request, "messageData is not an IssuerAndSerialNumber");
    if (id->issuer != ca_.ca.cert.raw_subject_dn())
        return refuse(ex, scep::fail_info::bad_cert_id, "not issued by this CA");
    const auto cert = store_.find_issued(id->serial);
    if (!cert)
        return refuse(ex, scep::fail_info::bad_cert_id, "no certificate with serial " + serial_hex(id->serial));
    scep::reply_content c;
    c.certificates = {*cert};
    return reply(ex, c, "SUCCESS serial=" + serial_hex(id->serial));
}

http_reply service::get_crl(exchange& ex)
{
    const auto id = scep::parse_issuer_and_serial(ex.request.message_data);
    if (!id)
        return refuse(ex, scep::fail_info::bad_request, "messageData is not an IssuerAndSerialNumber");
    if (id->issuer != ca_.ca.cert.raw_subject_dn())
        return refuse(ex, scep::fail_info::bad_cert_id, "not issued by this CA");
    auto crl = store_.crl();
    if (!crl)
        return refuse(ex, scep::fail_info::bad_cert_id, "no CRL yet");
    scep::reply_content c;
    c.crls = {*crl};
    return reply(ex, c, "SUCCESS CRL entries=" + std::to_string(crl->get_revoked().size()));
}

} // namespace ascep::testca
