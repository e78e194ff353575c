#include "testca/authority.hpp"

#include "cms/x509_cache.hpp"
#include "scep/sign_certificate.hpp"

#include <botan/hex.h>
#include <botan/x509_key.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>

#include <algorithm>
#include <cctype>

namespace ascep::testca {
namespace {

constexpr auto day = std::chrono::hours(24);

/// A certificate for `subject_key` with the key identifiers, signed through
/// `signer` (the issuer's one private operation; self-signed without an
/// `issuer`): see scep::sign_certificate.
Botan::X509_Certificate sign_cert(const identity* issuer, const cms::private_key_ops& signer,
                                  const Botan::Public_Key& subject_key, const Botan::X509_DN& subject,
                                  const Botan::BigInt& serial, clock::time_point not_before,
                                  clock::time_point not_after, Botan::Extensions ext)
{
    auto spki = subject_key.subject_public_key();
    ext.add(new Botan::Cert_Extension::Subject_Key_ID(spki, "SHA-160"));
    if (issuer)
        ext.add(new Botan::Cert_Extension::Authority_Key_ID(issuer->cert.subject_key_id()));
    return scep::sign_certificate(signer, {.serial = serial,
                                           .issuer = issuer ? issuer->cert.subject_dn() : subject,
                                           .subject = subject,
                                           .not_before = not_before,
                                           .not_after = not_after,
                                           .subject_public_key = std::move(spki),
                                           .extensions = std::move(ext)});
}

Botan::X509_DN dn_for(const std::string& common_name)
{
    Botan::X509_DN dn;
    dn.add_attribute("X520.Organization", "ascep test CA");
    dn.add_attribute("X520.CommonName", common_name);
    return dn;
}

/// What a CA that issues certificates may do; digitalSignature and
/// keyEncipherment because, without an RA, it also signs the replies and
/// opens the requests.
const auto issuing_ca_usage = Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN |
                                                     Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT);

/// A fresh RSA key and a certificate for it, self-signed when `issuer` is
/// null; a CA certificate with `path_length` when `ca`. Valid ten years from
/// an hour ago (clock skew), never beyond the issuer's end: a chain whose
/// lower certificate outlives the upper one is a broken chain for part of
/// its life.
identity make_identity(const identity* issuer, std::size_t key_bits, const std::string& common_name, bool ca,
                       std::size_t path_length, Botan::Key_Constraints usage, const Botan::BigInt& serial,
                       clock::time_point now, Botan::RandomNumberGenerator& rng)
{
    auto key = std::make_shared<Botan::RSA_PrivateKey>(rng, key_bits);
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(ca, path_length), true);
    ext.add(new Botan::Cert_Extension::Key_Usage(usage), true);
    auto not_after = now + 3650 * day;
    if (issuer)
        not_after = std::min(not_after, issuer->cert.not_after().to_std_timepoint());
    const cms::software_key self(*key);
    auto cert = sign_cert(issuer, issuer ? *issuer->ops : static_cast<const cms::private_key_ops&>(self), *key,
                          dn_for(common_name), serial, now - std::chrono::hours(1), not_after, std::move(ext));
    return {std::move(key), std::move(cert)};
}

} // namespace

chain_levels ca_material::levels() const
{
    chain_levels out;
    std::vector<Botan::X509_Certificate> ra;
    if (ra_sign)
        ra.push_back(ra_sign->cert);
    if (ra_enc)
        ra.push_back(ra_enc->cert);
    if (!ra.empty())
        out.push_back(std::move(ra));
    out.push_back({ca.cert});
    if (root)
        out.push_back({*root});
    return out;
}

identity make_ca(std::size_t key_bits, const std::string& common_name, const Botan::BigInt& serial,
                 clock::time_point now, Botan::RandomNumberGenerator& rng)
{
    return make_identity(nullptr, key_bits, common_name, true, 0, issuing_ca_usage, serial, now, rng);
}

identity make_root_ca(std::size_t key_bits, const std::string& common_name, const Botan::BigInt& serial,
                      clock::time_point now, Botan::RandomNumberGenerator& rng)
{
    return make_identity(nullptr, key_bits, common_name, true, 1,
                         Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN), serial, now, rng);
}

identity make_issuing_ca(const identity& root, std::size_t key_bits, const std::string& common_name,
                         const Botan::BigInt& serial, clock::time_point now, Botan::RandomNumberGenerator& rng)
{
    return make_identity(&root, key_bits, common_name, true, 0, issuing_ca_usage, serial, now, rng);
}

bool issued_by(const Botan::X509_Certificate& cert, const Botan::X509_Certificate& issuer)
{
    if (!(cert.issuer_dn() == issuer.subject_dn()))
        return false;
    const auto issuer_key = issuer.load_subject_public_key();
    return cert.check_signature(*issuer_key);
}

identity make_ra(const identity& ca, std::size_t key_bits, const std::string& common_name,
                 Botan::Key_Constraints usage, const Botan::BigInt& serial, clock::time_point now,
                 Botan::RandomNumberGenerator& rng)
{
    return make_identity(&ca, key_bits, common_name, false, 0, usage, serial, now, rng);
}

Botan::X509_Certificate issue_certificate(const identity& ca, const scep::csr_summary& csr,
                                          const Botan::BigInt& serial, std::chrono::seconds validity,
                                          clock::time_point now, Botan::RandomNumberGenerator& /*rng*/)
{
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(false), true);
    ext.add(new Botan::Cert_Extension::Key_Usage(
                Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)),
            true);
    if (const auto requested = scep::requested_extensions(csr)) {
        if (const auto* san = requested->get_extension_object_as<Botan::Cert_Extension::Subject_Alternative_Name>();
            san != nullptr && san->get_alt_name().has_items())
            ext.add(new Botan::Cert_Extension::Subject_Alternative_Name(san->get_alt_name()));
    }
    const auto subject_key = cms::public_key_from_spki(csr.subject_public_key_info);
    return sign_cert(&ca, *ca.ops, *subject_key, csr.subject, serial, now - std::chrono::minutes(5), now + validity,
                     std::move(ext));
}

Botan::X509_CRL make_crl(const identity& ca, const std::optional<Botan::X509_CRL>& previous,
                         const std::vector<Botan::X509_Certificate>& revoke, clock::time_point now,
                         Botan::RandomNumberGenerator& rng)
{
    const Botan::X509_CA x509_ca(ca.cert, *ca.key, "SHA-256", rng);
    constexpr std::chrono::seconds next_update = 7 * day;
    const auto base = previous ? *previous : x509_ca.new_crl(rng, now, next_update);
    std::vector<Botan::CRL_Entry> entries;
    for (const auto& c : revoke)
        entries.emplace_back(c, Botan::CRL_Code::UNSPECIFIED);
    if (!previous && entries.empty())
        return base;
    return x509_ca.update_crl(base, entries, rng, now, next_update);
}

std::string renewal_problem(const identity& ca, const Botan::X509_Certificate& cert,
                            const std::optional<Botan::X509_CRL>& crl, clock::time_point now)
{
    if (!issued_by(cert, ca.cert))
        return "renewal signer was not issued by this CA";
    const Botan::X509_Time t(now);
    if (t.cmp(cert.not_before()) < 0 || t.cmp(cert.not_after()) > 0)
        return "renewal signer is not valid now";
    if (crl && crl->is_revoked(cert))
        return "renewal signer is revoked";
    return {};
}

std::string serial_hex(const Botan::BigInt& serial)
{
    return Botan::hex_encode(Botan::BigInt::encode(serial));
}

std::optional<Botan::BigInt> parse_serial(const std::string& text)
{
    if (text.empty())
        return std::nullopt;
    std::string hex;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        hex = text.substr(2);
    else if (text.find(':') != std::string::npos)
        std::copy_if(text.begin(), text.end(), std::back_inserter(hex), [](char c) { return c != ':'; });
    if (!hex.empty() || text.find(':') != std::string::npos) {
        if (hex.empty() || !std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); }))
            return std::nullopt;
        return Botan::BigInt("0x" + hex);
    }
    if (!std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
        return std::nullopt;
    return Botan::BigInt(text);
}

} // namespace ascep::testca
