// mkrequest: the job of sscep's mkrequest shell script, without openssl.
#include "asn1/rfc4514.hpp"
#include "cli/challenge.hpp"
#include "cli/files.hpp"
#include "cli/key_pass.hpp"
#include "cli/local_operations.hpp"
#include "keys/key_file.hpp"
#include "scep/csr.hpp"

#include <botan/auto_rng.h>
#include <botan/pem.h>
#include <botan/rsa.h>

namespace ascep::cli {
namespace {

file_result<scep::csr_fields> fields_of(const options& opts, reporter& out)
{
    scep::csr_fields f;
    std::vector<scep::dn_attribute> attrs;
    for (const auto& a : opts.subject)
        attrs.push_back({a.type, a.value});
    if (attrs.empty() && !opts.alt_names.empty())
        attrs.push_back({"CN", opts.alt_names.front().value});
    if (attrs.empty())
        return failure{outcome::general_error, "mkrequest needs -ip, -dns or -email NAME, or --subject"};
    std::string why;
    auto dn = scep::make_dn(attrs, why);
    if (!dn)
        return failure{outcome::general_error, "bad --subject: " + why};
    f.subject = std::move(*dn);
    for (const auto& n : opts.alt_names) {
        switch (n.type) {
        case alt_name::kind::dns: f.dns.push_back(n.value); break;
        case alt_name::kind::email: f.email.push_back(n.value); break;
        case alt_name::kind::ip: f.ip.push_back(n.value); break;
        }
    }
    auto challenge = resolve_challenge(opts, out);
    if (!challenge)
        return challenge.error();
    f.challenge = std::move(*challenge);
    if (auto bad = scep::check_csr_fields(f))
        return failure{outcome::general_error, *bad};
    return f;
}

} // namespace

int run_mkrequest(const options& opts, reporter& out)
{
    auto fields = fields_of(opts, out);
    if (!fields)
        return out.finish(fields.error());
    const auto pass = resolve_key_pass(opts);
    if (!pass)
        return out.finish(pass.error());

    const std::string key_file = opts.prefix + ".key";
    const std::string csr_file = opts.prefix + ".csr";
    Botan::AutoSeeded_RNG rng;
    out.verbose("generating a " + std::to_string(*opts.key_bits) + "-bit RSA key");
    const Botan::RSA_PrivateKey key(rng, *opts.key_bits);
    const auto csr = scep::make_csr(cms::private_key_ops(key), *fields);

    if (auto why = keys::write_private_key(key_file, key, pass->get(), rng); !why.empty())
        return out.finish(file_failure(why));
    out.info(std::string(*pass ? "encrypted " : "") + "private key written as " + key_file);
    if (auto w = write_text_atomic(csr_file, Botan::PEM_Code::encode(csr, "CERTIFICATE REQUEST")); !w)
        return out.finish(w.error());
    out.info("certificate request written as " + csr_file);
    out.json()["key"] = key_file;
    out.json()["request"] = csr_file;
    out.json()["subject"] = asn1::rfc4514(fields->subject);
    return out.finish(0);
}

} // namespace ascep::cli
