// enroll: PKCSReq (or RenewalReq), polling while PENDING, strict reply checks.
#include "cli/files.hpp"

#include <botan/pkix_types.h>
#include "cli/operations.hpp"
#include "cli/session.hpp"
#include "engine/enroll.hpp"
#include "engine/operations.hpp"
#include "scep/query.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"

#include <botan/hex.h>

namespace ascep::cli {
namespace {

/// Prints sscep's progress lines as the engine goes.
class progress_printer final : public engine::enroll_observer {
public:
    explicit progress_printer(reporter& out) : out_(out) {}

    void on_send(const scep::send_message& msg) override
    {
        // sscep numbers the polls, from 1, whether or not a request preceded them.
        if (msg.type == scep::message_type::cert_poll)
            out_.info("requesting certificate (#" + std::to_string(++polls_) + ")");
        else
            out_.info(std::string("sending certificate request (") + std::string(scep::name(msg.type)) + ")");
    }

    void on_pending(const scep::wait_for& next) override
    {
        out_.info("pkistatus: PENDING");
        out_.verbose("waiting for " + std::to_string(next.delay.count()) + " secs");
    }

private:
    reporter& out_;
    unsigned polls_ = 0;
};

struct request_material {
    std::shared_ptr<Botan::Private_Key> key;
    Botan::PKCS10_Request csr;
};

file_result<request_material> load_request_material(const options& opts)
{
    auto key = load_private_key(opts.key);
    if (!key)
        return key.error();
    auto csr = load_request(opts.csr);
    if (!csr)
        return csr.error();
    const std::unique_ptr<Botan::Public_Key> csr_key(csr->subject_public_key()); // Botan 2: caller owns it
    if (csr_key->public_key_bits() != (*key)->public_key_bits())
        return file_failure("the request " + opts.csr + " is not for the key " + opts.key);
    return request_material{std::move(*key), std::move(*csr)};
}

/// The certificate that signs our messages: -O on renewal; else the -L file
/// when resuming (-R) and it exists; else a fresh self-signed one.
file_result<Botan::X509_Certificate> signer_certificate(session& s, const request_material& m,
                                                        const std::shared_ptr<Botan::Private_Key>& signer_key)
{
    if (!s.opts.old_cert.empty())
        return load_certificate(s.opts.old_cert);
    if (s.opts.resume && !s.opts.self_signed_out.empty() && file_exists(s.opts.self_signed_out)) {
        auto cert = load_certificate(s.opts.self_signed_out);
        if (cert && cert->subject_public_key_bitstring() == signer_key->public_key_bits())
            return cert;
    }
    try {
        auto cert = scep::make_self_signed(*signer_key, m.csr.subject_dn(), std::chrono::system_clock::now(), s.rng);
        if (!s.opts.self_signed_out.empty()) {
            if (auto w = write_text_atomic(s.opts.self_signed_out, cert.PEM_encode()); !w)
                return w.error();
            s.out.info("selfsigned certificate written as " + s.opts.self_signed_out);
        }
        return cert;
    } catch (const std::exception& e) {
        return failure{outcome::self_signed_error, std::string("cannot make the self-signed certificate: ") + e.what()};
    }
}

int report_result(session& s, const engine::enroll_outcome& o)
{
    const auto& r = o.result;
    s.out.json()["messages_sent"] = r.messages_sent;
    if (r.error)
        return s.out.finish(s.failure_of(r.error, "enrollment failed", o.diag));
    s.out.verbose("valid response from server");
    s.out.info("pkistatus: " + std::string(scep::name(r.status)));
    s.out.json()["pki_status"] = std::string(scep::name(r.status));
    switch (r.status) {
    case scep::pki_status::pending:
        return s.out.finish(failure{outcome::pending, "still PENDING after " + std::to_string(r.messages_sent) +
                                                          " messages; run again with -R to keep polling"});
    case scep::pki_status::failure: {
        const auto fi = r.fail_info ? std::optional<int>(static_cast<int>(*r.fail_info)) : std::nullopt;
        std::string text = "the CA refused the request";
        if (r.fail_info) {
            text += ": failInfo " + std::string(scep::name(*r.fail_info));
            s.out.json()["fail_info"] = std::string(scep::name(*r.fail_info));
        }
        if (r.fail_info_text) {
            text += " (" + *r.fail_info_text + ")";
            s.out.json()["fail_info_text"] = *r.fail_info_text;
        }
        return s.out.finish(failure{outcome_of_fail_info(fi), text});
    }
    case scep::pki_status::success:
        break;
    }
    const auto& cert = *r.certificate;
    if (auto w = write_text_atomic(s.opts.local_cert, cert.PEM_encode()); !w)
        return s.out.finish(w.error());
    s.out.info("certificate written as " + s.opts.local_cert);
    s.out.json()["certificate"] = s.opts.local_cert;
    s.out.json()["subject"] = cert.subject_dn().to_string();
    s.out.json()["serial"] = Botan::hex_encode(cert.serial_number());
    return s.out.finish(0);
}

} // namespace

int run_enroll(session& s)
{
    const auto& opts = s.opts;
    auto material = load_request_material(opts);
    if (!material)
        return s.out.finish(material.error());
    auto roles = s.load_ca_roles();
    if (!roles)
        return s.out.finish(roles.error());

    std::shared_ptr<Botan::Private_Key> signer_key = material->key;
    if (!opts.old_key.empty()) {
        auto old_key = load_private_key(opts.old_key);
        if (!old_key)
            return s.out.finish(old_key.error());
        signer_key = *old_key;
    }

    // GetCACaps once, unless we only write the request (-m) with -E and -S given.
    scep::ca_caps caps;
    const bool offline = !opts.request_out.empty();
    if (!offline || !opts.cipher || !opts.digest) {
        if (!offline || !opts.url.empty()) {
            auto c = s.run(engine::async_get_caps(s.ep, s.diag));
            if (!c)
                return s.out.finish(s.failure_of(c.error(), "GetCACaps failed"));
            caps = *c;
        }
    }
    auto algorithms = scep::choose_algorithms(caps, {opts.cipher, opts.digest});
    if (opts.post)
        algorithms.use_post = *opts.post;
    for (const auto& w : algorithms.warnings)
        s.out.warn(w);
    s.out.verbose("using " + std::string(asn1::cli_name(algorithms.cipher)) + " and " +
                  std::string(asn1::cli_name(algorithms.digest)) + (algorithms.use_post ? ", POST" : ", GET"));

    auto signer_cert = signer_certificate(s, *material, signer_key);
    if (!signer_cert)
        return s.out.finish(signer_cert.error());
    if (signer_cert->subject_public_key_bitstring() != signer_key->public_key_bits())
        return s.out.finish(file_failure("the old certificate (-O) is not for the old key (-K)"));

    scep::enroll_params p;
    const bool renewal = !opts.old_cert.empty();
    p.type = renewal && caps.renewal() ? scep::message_type::renewal_req : scep::message_type::pkcs_req;
    p.csr = material->csr.BER_encode();
    p.subject = material->csr.subject_dn();
    p.csr_key = material->key;
    p.signer_key = signer_key;
    p.signer_cert = *signer_cert;
    p.ca_cert = roles->ca;
    p.recipients = {roles->encryption};
    p.trusted_signers = roles->signers;
    p.algorithms = algorithms;
    p.transaction_id = scep::transaction_id_for(*material->key);
    p.polling = {*opts.poll_interval, *opts.max_poll_time, *opts.max_poll_count};
    p.resume = opts.resume;
    s.out.verbose("transaction id: " + p.transaction_id);
    s.out.json()["transaction_id"] = p.transaction_id;

    if (offline) {
        const scep::query_context ctx{{*p.signer_key, p.signer_cert}, p.recipients, p.algorithms, p.transaction_id,
                                      std::chrono::system_clock::now()};
        auto msg = scep::make_request(p.type, p.csr, ctx, s.rng);
        if (!msg)
            return s.out.finish(s.failure_of(msg.error(), "cannot build the request"));
        if (auto w = write_file_atomic(opts.request_out, msg->body); !w)
            return s.out.finish(w.error());
        s.out.info(std::string(scep::name(p.type)) + " written as " + opts.request_out + " (not sent)");
        return s.out.finish(0);
    }

    progress_printer printer(s.out);
    auto outcome = s.run(engine::async_enroll(s.ep, std::move(p), algorithms.use_post, s.rng, &printer));
    return report_result(s, outcome);
}

} // namespace ascep::cli
