// enroll: PKCSReq (or RenewalReq), polling while PENDING, strict reply checks.
// Runs the library's ascep::async_enroll, as fleet mode does.
#include "ascep/enroll.hpp"
#include "asn1/rfc4514.hpp"
#include "cli/enrollment.hpp"
#include "cli/files.hpp"
#include "cli/key_source.hpp"
#include "cli/token_certificate.hpp"
#include "cli/key_pass.hpp"
#include "cli/operations.hpp"
#include "cli/session.hpp"
#include "scep/csr.hpp"

#include <botan/hex.h>
#include <botan/pkix_types.h>

namespace ascep::cli {
namespace {

struct request_material {
    key_handle key;
    request_file csr;
};

file_result<request_material> load_request_material(const options& opts, const keys::passphrase* pass)
{
    auto key = open_key(opts, opts.key, pass);
    if (!key)
        return key.error();
    auto csr = load_request(opts.csr);
    if (!csr)
        return csr.error();
    if (!scep::csr_is_for(csr->csr, (*key)->public_key()))
        return file_failure("the request " + opts.csr + " is not for the key " + opts.key);
    return request_material{std::move(*key), std::move(*csr)};
}

/// With -R and an existing -L file for our key: the self-signed certificate
/// of the earlier run, so that polls are signed as the request was.
std::optional<Botan::X509_Certificate> earlier_self_signed(const options& opts, const Botan::Public_Key& key)
{
    if (!opts.resume || opts.self_signed_out.empty() || !file_exists(opts.self_signed_out))
        return std::nullopt;
    auto cert = load_certificate(opts.self_signed_out);
    if (cert && cert->subject_public_key_bitstring() == key.public_key_bits())
        return *cert;
    return std::nullopt;
}

int report_result(session& s, const ascep::enroll_result& r, const key_handle& key)
{
    if (auto code = finish_unless_issued(s, r))
        return *code;
    const auto& cert = *r.certificate;
    if (auto w = write_text_atomic(s.opts.local_cert, cert.PEM_encode()); !w)
        return s.out.finish(w.error());
    s.out.info("certificate written as " + s.opts.local_cert);
    if (s.opts.store_cert) {
        if (auto stored = store_on_token(*key, cert); !stored)
            return s.out.finish(stored.error());
        s.out.info("certificate stored on the token beside the key");
    }
    s.out.json()["certificate"] = s.opts.local_cert;
    s.out.json()["subject"] = asn1::rfc4514(cert.subject_dn());
    s.out.json()["serial"] = Botan::hex_encode(cert.serial_number());
    return s.out.finish(0);
}

} // namespace

int run_enroll(session& s)
{
    const auto& opts = s.opts;
    const auto pass = resolve_key_pass(opts);
    if (!pass)
        return s.out.finish(pass.error());
    auto material = load_request_material(opts, pass->get());
    if (!material)
        return s.out.finish(material.error());

    if (opts.store_cert && !is_token_key(opts.key))
        return s.out.finish(failure{outcome::general_error, "--store-cert needs a token key (-k pkcs11:...)"});
    ascep::enroll_request req;
    req.signing_key = material->key;
    req.csr = material->csr.der;
    if (!opts.old_key.empty()) {
        auto old_key = open_key(opts, opts.old_key, pass->get());
        if (!old_key)
            return s.out.finish(old_key.error());
        auto old_cert = load_certificate(opts.old_cert);
        if (!old_cert)
            return s.out.finish(old_cert.error());
        if (old_cert->subject_public_key_bitstring() != (*old_key)->public_key().public_key_bits())
            return s.out.finish(file_failure("the old certificate (-O) is not for the old key (-K)"));
        req.old_signing_key = *old_key;
        req.old_cert = *old_cert;
    }

    // GetCACaps once, unless we only write the request (-m) with -E and -S given.
    const bool offline = !opts.request_out.empty();
    const bool ask_caps = (!offline || !opts.cipher || !opts.digest) && (!offline || !opts.url.empty());
    if (auto filled = fill_ca_settings(s, req, ask_caps); !filled)
        return s.out.finish(filled.error());
    req.self_signed = earlier_self_signed(opts, material->key->public_key());
    req.resume = opts.resume;

    auto plan = plan_enrollment(s, req);
    if (!plan)
        return s.out.finish(plan.error());
    if (!opts.self_signed_out.empty() && !req.old_cert && !req.self_signed) {
        if (auto w = write_text_atomic(opts.self_signed_out, plan->signer_certificate().PEM_encode()); !w)
            return s.out.finish(w.error());
        s.out.info("selfsigned certificate written as " + opts.self_signed_out);
    }

    if (offline) {
        std::string why;
        auto msg = ascep::make_request_message(*plan, s.rng, why);
        if (!msg)
            return s.out.finish(failure{outcome::pkcs7_error, "cannot build the request: " + why});
        if (auto w = write_file_atomic(opts.request_out, *msg); !w)
            return s.out.finish(w.error());
        s.out.info(std::string(request_name(*plan)) + " written as " + opts.request_out + " (not sent)");
        return s.out.finish(0);
    }
    return report_result(s, run_enrollment(s, *plan), material->key);
}

} // namespace ascep::cli
