// getcert and getcrl: one signed request, one verified reply.
#include "asn1/rfc4514.hpp"
#include "cli/files.hpp"
#include "cli/key_source.hpp"
#include "cli/key_pass.hpp"
#include "cli/operations.hpp"
#include "cli/session.hpp"
#include "engine/operations.hpp"
#include "scep/query.hpp"
#include "scep/transaction_id.hpp"

#include <botan/bigint.h>
#include <botan/hex.h>
#include <botan/pkix_types.h>

namespace ascep::cli {
namespace {

/// What both queries need: our key and certificate, the CA roles, the
/// algorithms from GetCACaps.
struct query_setup {
    std::shared_ptr<const cms::private_key_ops> key; // signs the query, opens the reply
    Botan::X509_Certificate local;
    scep::ca_roles roles;
    scep::algorithm_choice algorithms;
};

file_result<query_setup> prepare(session& s)
{
    const auto pass = resolve_key_pass(s.opts);
    if (!pass)
        return pass.error();
    auto key = open_key(s.opts, s.opts.key, pass->get());
    if (!key)
        return key.error();
    auto local = load_certificate(s.opts.local_cert);
    if (!local)
        return local.error();
    if (local->subject_public_key_bitstring() != (*key)->public_key().public_key_bits())
        return file_failure("the certificate " + s.opts.local_cert + " is not for the key " + s.opts.key);
    auto roles = s.load_ca_roles();
    if (!roles)
        return roles.error();
    auto caps = s.run(engine::async_get_caps(s.ep, s.diag));
    if (!caps)
        return s.failure_of(caps.error(), "GetCACaps failed");
    auto algorithms = scep::choose_algorithms(*caps, {s.opts.cipher, s.opts.digest});
    if (s.opts.post)
        algorithms.use_post = *s.opts.post;
    for (const auto& w : algorithms.warnings)
        s.out.warn(w);
    return query_setup{std::move(*key), *local, *roles, algorithms};
}

/// Sends the query and checks the reply; a FAILURE becomes its exit code.
file_result<scep::cert_rep> exchange(session& s, const query_setup& q, const scep::query_message& msg)
{
    auto reply = s.run(engine::async_pki_operation(s.ep, q.algorithms.use_post, msg.body, s.diag));
    if (!reply)
        return s.failure_of(reply.error(), "request failed");
    const std::vector<Botan::X509_Certificate>& trusted = q.roles.signers;
    auto rep = scep::check_cert_rep(*reply, msg.sent, {trusted, *q.key, q.local, q.roles.all});
    if (!rep)
        return s.failure_of(rep.error(), "reply rejected");
    s.out.verbose("valid response from server");
    s.out.info("pkistatus: " + std::string(scep::name(rep->status)));
    if (rep->status == scep::pki_status::failure) {
        const auto& h = rep->header;
        const auto fi = h.fail_info ? std::optional<int>(static_cast<int>(*h.fail_info)) : std::nullopt;
        std::string text = "the CA refused the request";
        if (h.fail_info)
            text += ": failInfo " + std::string(scep::name(*h.fail_info));
        if (h.fail_info_text)
            text += " (" + *h.fail_info_text + ")";
        return failure{outcome_of_fail_info(fi), text};
    }
    if (rep->status == scep::pki_status::pending)
        return failure{outcome::pending, "the CA answered PENDING to a query"};
    return std::move(*rep);
}

scep::query_context context_of(const query_setup& q)
{
    return {{*q.key, q.local}, {q.roles.encryption}, q.algorithms, scep::transaction_id_for(q.key->public_key()),
            std::chrono::system_clock::now()};
}

} // namespace

int run_getcert(session& s)
{
    auto q = prepare(s);
    if (!q)
        return s.out.finish(q.error());
    // GetCert names the certificate by the CA's name and the serial (-s).
    const cms::issuer_and_serial id{q->roles.ca.raw_subject_dn(),
                                    Botan::BigInt(s.opts.serial->bytes.data(), s.opts.serial->bytes.size())};
    auto msg = scep::make_get_cert(id, context_of(*q), s.rng);
    if (!msg)
        return s.out.finish(s.failure_of(msg.error(), "cannot build GetCert"));
    s.out.verbose("requesting certificate with serial " + s.opts.serial->to_hex());
    auto rep = exchange(s, *q, *msg);
    if (!rep)
        return s.out.finish(rep.error());
    auto cert = scep::requested_certificate(*rep, id);
    if (!cert)
        return s.out.finish(s.failure_of(cert.error(), "reply rejected"));
    if (auto w = write_text_atomic(s.opts.out, cert->PEM_encode()); !w)
        return s.out.finish(w.error());
    s.out.info("certificate written as " + s.opts.out);
    s.out.json()["certificate"] = s.opts.out;
    s.out.json()["subject"] = asn1::rfc4514(cert->subject_dn());
    s.out.json()["serial"] = Botan::hex_encode(cert->serial_number());
    return s.out.finish(0);
}

int run_getcrl(session& s)
{
    auto q = prepare(s);
    if (!q)
        return s.out.finish(q.error());
    // GetCRL names our own certificate: the CA answers with the CRL covering it.
    const auto id = cms::issuer_and_serial::of(q->local);
    auto msg = scep::make_get_crl(id, context_of(*q), s.rng);
    if (!msg)
        return s.out.finish(s.failure_of(msg.error(), "cannot build GetCRL"));
    s.out.verbose("requesting CRL");
    auto rep = exchange(s, *q, *msg);
    if (!rep)
        return s.out.finish(rep.error());
    auto crl = scep::verified_crl(*rep, q->roles.ca);
    if (!crl)
        return s.out.finish(s.failure_of(crl.error(), "reply rejected"));
    if (auto w = write_text_atomic(s.opts.out, crl->PEM_encode()); !w)
        return s.out.finish(w.error());
    s.out.info("CRL written as " + s.opts.out);
    s.out.json()["crl"] = s.opts.out;
    s.out.json()["revoked"] = crl->get_revoked().size();
    return s.out.finish(0);
}

} // namespace ascep::cli
