// mkrequest: the job of sscep's mkrequest shell script, without openssl: a
// key (a file, or a key pair made on a PKCS#11 token when -k is a pkcs11:
// URI) and its PKCS#10 request.
#include "asn1/rfc4514.hpp"
#include "cli/challenge.hpp"
#include "cli/files.hpp"
#include "cli/key_pass.hpp"
#include "cli/key_source.hpp"
#include "cli/local_operations.hpp"
#include "cms/software_key.hpp"
#include "keys/key_file.hpp"
#include "keys/pkcs11_key.hpp"
#include "scep/csr.hpp"

#include <botan/auto_rng.h>
#include <botan/hex.h>
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

file_result<void> write_csr(const std::string& path, const std::vector<std::uint8_t>& csr)
{
    return write_text_atomic(path, Botan::PEM_Code::encode(csr, "CERTIFICATE REQUEST"));
}

/// -k pkcs11:...: the pair is generated on the token (the private key never
/// leaves it), then the request is signed there. A key that already has
/// the label is kept unless --replace-key; then it is destroyed once the
/// new pair and the request exist.
int make_on_token(const options& opts, reporter& out, const scep::csr_fields& fields)
{
    std::string why;
    const auto uri = keys::pkcs11_uri::parse(opts.key, why);
    if (!uri)
        return out.finish(file_failure(why));
    const std::string& label = uri->object();
    if (label.empty())
        return out.finish(file_failure("the PKCS#11 URI " + uri->text() +
                                       " names no label for the new key: add object=LABEL"));
    const auto t = keys::token::open(*uri, token_settings_of(opts), why);
    if (!t)
        return out.finish(file_failure(why));
    const auto existing = t->key_ids(label);
    if (!existing.empty() && !opts.replace_key)
        return out.finish(file_failure("a key labelled '" + label + "' is already on the token '" + t->label() +
                                       "': give --replace-key to replace it, or choose another object= label"));
    out.verbose("generating a " + std::to_string(*opts.key_bits) + "-bit RSA key pair on the token '" + t->label() +
                "'");
    const auto key = t->generate_rsa(label, *opts.key_bits, why);
    if (!key)
        return out.finish(file_failure(why));
    std::vector<std::uint8_t> csr;
    try {
        csr = scep::make_csr(*key, fields);
    } catch (const std::exception& e) {
        t->destroy(key->id());
        return out.finish(file_failure("the token '" + t->label() + "' could not sign the request: " + e.what()));
    }
    if (auto w = write_csr(opts.csr, csr); !w) {
        t->destroy(key->id()); // ours, unused: nothing half-made stays behind
        return out.finish(w.error());
    }
    for (const auto& id : existing)
        if (auto e = t->destroy(id); !e.empty())
            out.warn("the key it replaces is still on the token: " + e);
    out.info("key pair generated on the token '" + t->label() + "' as '" + label + "' (id " +
             Botan::hex_encode(key->id()) + ")");
    out.info("certificate request written as " + opts.csr);
    out.json()["key"] = uri->text();
    out.json()["key_id"] = Botan::hex_encode(key->id());
    out.json()["request"] = opts.csr;
    out.json()["subject"] = asn1::rfc4514(fields.subject);
    return out.finish(0);
}

} // namespace

int run_mkrequest(const options& opts, reporter& out)
{
    auto fields = fields_of(opts, out);
    if (!fields)
        return out.finish(fields.error());
    if (is_token_key(opts.key))
        return make_on_token(opts, out, *fields);
    if (opts.replace_key)
        return out.finish(failure{outcome::general_error, "--replace-key needs a token key (-k pkcs11:...)"});
    const auto pass = resolve_key_pass(opts);
    if (!pass)
        return out.finish(pass.error());

    Botan::AutoSeeded_RNG rng;
    out.verbose("generating a " + std::to_string(*opts.key_bits) + "-bit RSA key");
    const Botan::RSA_PrivateKey key(rng, *opts.key_bits);
    const auto csr = scep::make_csr(cms::software_key(key), *fields);

    if (auto why = keys::write_private_key(opts.key, key, pass->get(), rng); !why.empty())
        return out.finish(file_failure(why));
    out.info(std::string(*pass ? "encrypted " : "") + "private key written as " + opts.key);
    if (auto w = write_csr(opts.csr, csr); !w)
        return out.finish(w.error());
    out.info("certificate request written as " + opts.csr);
    out.json()["key"] = opts.key;
    out.json()["request"] = opts.csr;
    out.json()["subject"] = asn1::rfc4514(fields->subject);
    return out.finish(0);
}

} // namespace ascep::cli
