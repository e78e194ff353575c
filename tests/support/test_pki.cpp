#include "test_pki.hpp"

#include <botan/pubkey.h>
#include <botan/x509_ext.h>
#include <botan/x509_ca.h>
#include <botan/x509self.h>

#include <chrono>
#include <map>
#include <mutex>

namespace ascep::test {

// The RNG and the cached keys live until exit and are never destroyed:
// Botan's locked-memory pool is itself a static, and a key destroyed after
// it crashes at exit. (Leaked on purpose; the OS reclaims them.)
Botan::RandomNumberGenerator& rng()
{
    static auto* instance = new Botan::AutoSeeded_RNG;
    return *instance;
}

std::shared_ptr<Botan::RSA_PrivateKey> cached_key(int slot, std::size_t bits)
{
    static std::mutex m;
    static auto* keys = new std::map<std::pair<int, std::size_t>, std::shared_ptr<Botan::RSA_PrivateKey>>;
    std::lock_guard lock(m);
    auto& k = (*keys)[{slot, bits}];
    if (!k)
        k = std::make_shared<Botan::RSA_PrivateKey>(rng(), bits);
    return k;
}

identity self_signed(const std::string& common_name, int slot)
{
    auto key = cached_key(slot);
    Botan::X509_Cert_Options opts(common_name + "/DE/ascep tests/test", 365 * 24 * 3600);
    opts.CA_key(1);
    return {key, Botan::X509::create_self_signed_cert(opts, *key, "SHA-256", rng())};
}

Botan::X509_Certificate issue(const identity& issuer, const Botan::Public_Key& subject_key,
                              const std::string& common_name, bool with_key_id)
{
    Botan::AlgorithmIdentifier sig_alg;
    std::unique_ptr<Botan::PK_Signer> signer(Botan::choose_sig_format(*issuer.key, rng(), "SHA-256", sig_alg));
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(false));
    if (with_key_id) {
        ext.add(new Botan::Cert_Extension::Subject_Key_ID(subject_key.subject_public_key(), "SHA-160"));
    }
    const auto now = std::chrono::system_clock::now();
    return Botan::X509_CA::make_cert(signer.get(), rng(), sig_alg, subject_key.subject_public_key(),
                                     Botan::X509_Time(now - std::chrono::hours(1)),
                                     Botan::X509_Time(now + std::chrono::hours(24 * 365)), issuer.cert.subject_dn(),
                                     Botan::X509_DN({{"X520.CommonName", common_name}}), ext);
}

namespace {

Botan::X509_Certificate issue_with(const identity& issuer, const Botan::Public_Key& subject_key,
                                   const std::string& common_name, Botan::Extensions ext)
{
    Botan::AlgorithmIdentifier sig_alg;
    std::unique_ptr<Botan::PK_Signer> signer(Botan::choose_sig_format(*issuer.key, rng(), "SHA-256", sig_alg));
    ext.add(new Botan::Cert_Extension::Subject_Key_ID(subject_key.subject_public_key(), "SHA-160"));
    if (!issuer.cert.subject_key_id().empty())
        ext.add(new Botan::Cert_Extension::Authority_Key_ID(issuer.cert.subject_key_id()));
    const auto now = std::chrono::system_clock::now();
    return Botan::X509_CA::make_cert(signer.get(), rng(), sig_alg, subject_key.subject_public_key(),
                                     Botan::X509_Time(now - std::chrono::hours(1)),
                                     Botan::X509_Time(now + std::chrono::hours(24 * 365)), issuer.cert.subject_dn(),
                                     Botan::X509_DN({{"X520.CommonName", common_name}}), ext);
}

} // namespace

identity issue_ca(const identity& issuer, int slot, const std::string& common_name)
{
    auto key = cached_key(slot);
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(true));
    ext.add(new Botan::Cert_Extension::Key_Usage(Botan::Key_Constraints(
        Botan::KEY_CERT_SIGN | Botan::CRL_SIGN | Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)));
    return {key, issue_with(issuer, *key, common_name, std::move(ext))};
}

Botan::X509_Certificate issue_ra(const identity& issuer, int slot, Botan::Key_Constraints usage,
                                 const std::string& common_name)
{
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(false));
    if (usage != Botan::NO_CONSTRAINTS)
        ext.add(new Botan::Cert_Extension::Key_Usage(usage));
    return issue_with(issuer, *cached_key(slot), common_name, std::move(ext));
}

} // namespace ascep::test
