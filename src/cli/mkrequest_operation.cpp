// mkrequest: the job of sscep's mkrequest shell script, without openssl.
#include "cli/files.hpp"
#include "cli/local_operations.hpp"

#include <arpa/inet.h>

#include <botan/auto_rng.h>
#include <botan/pkcs10.h>
#include <botan/pkcs8.h>
#include <botan/pkix_types.h>
#include <botan/rsa.h>
#include <botan/x509_ext.h>

namespace ascep::cli {
namespace {

file_result<Botan::X509_DN> subject_of(const options& opts)
{
    Botan::X509_DN dn;
    try {
        if (!opts.subject.empty()) {
            for (const auto& a : opts.subject)
                dn.add_attribute(a.type, a.value);
        } else if (!opts.alt_names.empty()) {
            dn.add_attribute("X520.CommonName", opts.alt_names.front().value);
        }
    } catch (const std::exception& e) {
        return failure{outcome::general_error, std::string("bad --subject: ") + e.what()};
    }
    if (dn.empty())
        return failure{outcome::general_error, "mkrequest needs -ip, -dns or -email NAME, or --subject"};
    return dn;
}

file_result<Botan::Extensions> extensions_of(const options& opts)
{
    Botan::AlternativeName names;
    for (const auto& n : opts.alt_names) {
        switch (n.type) {
        case alt_name::kind::dns: names.add_attribute("DNS", n.value); break;
        case alt_name::kind::email: names.add_attribute("RFC822", n.value); break;
        case alt_name::kind::ip:
            // Botan 2 encodes IPv4 addresses only in subjectAltName.
            if (in_addr a{}; ::inet_pton(AF_INET, n.value.c_str(), &a) != 1)
                return failure{outcome::general_error, "-ip " + n.value + ": not an IPv4 address (Botan 2 encodes no other)"};
            names.add_attribute("IP", n.value);
            break;
        }
    }
    Botan::Extensions ext;
    if (names.has_items())
        ext.add(new Botan::Cert_Extension::Subject_Alternative_Name(names));
    ext.add(new Botan::Cert_Extension::Key_Usage(
        Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)));
    return ext;
}

} // namespace

int run_mkrequest(const options& opts, reporter& out)
{
    auto dn = subject_of(opts);
    if (!dn)
        return out.finish(dn.error());
    auto ext = extensions_of(opts);
    if (!ext)
        return out.finish(ext.error());

    const std::string key_file = opts.prefix + ".key";
    const std::string csr_file = opts.prefix + ".csr";
    Botan::AutoSeeded_RNG rng;
    out.verbose("generating a " + std::to_string(*opts.key_bits) + "-bit RSA key");
    const Botan::RSA_PrivateKey key(rng, *opts.key_bits);
    const auto csr = Botan::PKCS10_Request::create(key, *dn, *ext, "SHA-256", rng, "", opts.challenge);

    if (auto w = write_text_atomic(key_file, Botan::PKCS8::PEM_encode(key), 0600); !w)
        return out.finish(w.error());
    out.info("private key written as " + key_file);
    if (auto w = write_text_atomic(csr_file, csr.PEM_encode()); !w)
        return out.finish(w.error());
    out.info("certificate request written as " + csr_file);
    out.json()["key"] = key_file;
    out.json()["request"] = csr_file;
    out.json()["subject"] = dn->to_string();
    return out.finish(0);
}

} // namespace ascep::cli
