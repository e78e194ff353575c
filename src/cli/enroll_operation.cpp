// enroll: PKCSReq (or RenewalReq), polling while PENDING, strict reply checks.
// Runs the library's ascep::async_enroll, as fleet mode does.
#include "ascep/enroll.hpp"
#include "cli/files.hpp"
#include "cli/operations.hpp"
#include "cli/session.hpp"
#include "engine/operations.hpp"
#include "scep/csr.hpp"

#include <botan/hex.h>
#include <botan/pkix_types.h>

namespace ascep::cli {
namespace {

/// Prints sscep's progress lines as the enrollment goes.
class progress_printer final : public ascep::enroll_observer {
public:
    explicit progress_printer(reporter& out) : out_(out) {}

    void on_send(unsigned, bool poll) override
    {
        // sscep numbers the polls, from 1, whether or not a request preceded them.
        if (poll)
            out_.info("requesting certificate (#" + std::to_string(++polls_) + ")");
        else
            out_.info(std::string("sending certificate request (") + request_name_ + ")");
    }

    bool on_pending(std::chrono::seconds next) override
    {
        out_.info("pkistatus: PENDING");
        out_.verbose("waiting for " + std::to_string(next.count()) + " secs");
        return true;
    }

    std::string request_name_ = "PKCSReq";

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
    // The key bits as the request carries them: no second load of its key.
    const auto summary = scep::read_csr(csr->BER_encode());
    if (!summary || summary->public_key_bits != (*key)->public_key_bits())
        return file_failure("the request " + opts.csr + " is not for the key " + opts.key);
    return request_material{std::move(*key), std::move(*csr)};
}

/// With -R and an existing -L file for our key: the self-signed certificate
/// of the earlier run, so that polls are signed as the request was.
std::optional<Botan::X509_Certificate> earlier_self_signed(const options& opts, const Botan::Private_Key& key)
{
    if (!opts.resume || opts.self_signed_out.empty() || !file_exists(opts.self_signed_out))
        return std::nullopt;
    auto cert = load_certificate(opts.self_signed_out);
    if (cert && cert->subject_public_key_bitstring() == key.public_key_bits())
        return *cert;
    return std::nullopt;
}

int report_result(session& s, const ascep::enroll_result& r)
{
    s.out.json()["messages_sent"] = r.messages_sent;
    if (r.status == ascep::enroll_status::error)
        return s.out.finish(failure{outcome_of(r.error->code), "enrollment failed: " + r.error->text});
    s.out.verbose("valid response from server");
    switch (r.status) {
    case ascep::enroll_status::pending:
        s.out.info("pkistatus: PENDING");
        s.out.json()["pki_status"] = "PENDING";
        return s.out.finish(failure{outcome::pending, "still PENDING after " + std::to_string(r.messages_sent) +
                                                          " messages; run again with -R to keep polling"});
    case ascep::enroll_status::rejected: {
        s.out.info("pkistatus: FAILURE");
        s.out.json()["pki_status"] = "FAILURE";
        std::string text = "the CA refused the request";
        if (r.fail_info) {
            text += ": failInfo " + r.fail_info_name;
            s.out.json()["fail_info"] = r.fail_info_name;
        }
        if (r.fail_info_text) {
            text += " (" + *r.fail_info_text + ")";
            s.out.json()["fail_info_text"] = *r.fail_info_text;
        }
        return s.out.finish(failure{outcome_of_fail_info(r.fail_info), text});
    }
    default:
        break;
    }
    s.out.info("pkistatus: SUCCESS");
    s.out.json()["pki_status"] = "SUCCESS";
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
    auto chain = s.load_ca_chain();
    if (!chain)
        return s.out.finish(chain.error());

    ascep::enroll_request req;
    req.key = material->key;
    req.csr = material->csr.BER_encode();
    req.ca_certificates = std::move(*chain);
    if (!opts.enc_cert.empty()) {
        auto enc = load_certificate(opts.enc_cert);
        if (!enc)
            return s.out.finish(enc.error());
        req.encryption_cert = *enc;
    }
    if (!opts.old_key.empty()) {
        auto old_key = load_private_key(opts.old_key);
        if (!old_key)
            return s.out.finish(old_key.error());
        auto old_cert = load_certificate(opts.old_cert);
        if (!old_cert)
            return s.out.finish(old_cert.error());
        if (old_cert->subject_public_key_bitstring() != (*old_key)->public_key_bits())
            return s.out.finish(file_failure("the old certificate (-O) is not for the old key (-K)"));
        req.old_key = *old_key;
        req.old_cert = *old_cert;
    }

    // GetCACaps once, unless we only write the request (-m) with -E and -S given.
    const bool offline = !opts.request_out.empty();
    if ((!offline || !opts.cipher || !opts.digest) && (!offline || !opts.url.empty())) {
        auto c = s.run(engine::async_get_caps(s.ep, s.diag));
        if (!c)
            return s.out.finish(s.failure_of(c.error(), "GetCACaps failed"));
        req.capabilities = c->keywords;
    }
    if (opts.cipher)
        req.cipher = std::string(asn1::cli_name(*opts.cipher));
    if (opts.digest)
        req.digest = std::string(asn1::cli_name(*opts.digest));
    req.use_post = opts.post;
    req.self_signed = earlier_self_signed(opts, *material->key);
    req.poll_interval = *opts.poll_interval;
    req.max_poll_time = *opts.max_poll_time;
    req.max_poll_count = *opts.max_poll_count;
    req.resume = opts.resume;

    std::string why;
    auto plan = ascep::prepare_enrollment(req, s.rng, why);
    if (!plan) {
        const bool self_signed = why.starts_with("cannot make the self-signed");
        return s.out.finish(failure{self_signed ? outcome::self_signed_error : outcome::file_error, why});
    }
    for (const auto& w : plan->warnings())
        s.out.warn(w);
    s.out.verbose("using " + plan->cipher() + " and " + plan->digest() + (plan->use_post() ? ", POST" : ", GET"));
    if (!opts.self_signed_out.empty() && !req.old_cert && !req.self_signed) {
        if (auto w = write_text_atomic(opts.self_signed_out, plan->signer_certificate().PEM_encode()); !w)
            return s.out.finish(w.error());
        s.out.info("selfsigned certificate written as " + opts.self_signed_out);
    }
    s.out.verbose("transaction id: " + plan->transaction_id());
    s.out.json()["transaction_id"] = plan->transaction_id();

    const std::string request_name = plan->renewal() ? "RenewalReq" : "PKCSReq";
    if (offline) {
        auto msg = ascep::make_request_message(*plan, s.rng, why);
        if (!msg)
            return s.out.finish(failure{outcome::pkcs7_error, "cannot build the request: " + why});
        if (auto w = write_file_atomic(opts.request_out, *msg); !w)
            return s.out.finish(w.error());
        s.out.info(request_name + " written as " + opts.request_out + " (not sent)");
        return s.out.finish(0);
    }

    progress_printer printer(s.out);
    printer.request_name_ = request_name;
    auto result = s.run(ascep::async_enroll(s.client, *plan, s.rng, &printer));
    return report_result(s, result);
}

} // namespace ascep::cli
