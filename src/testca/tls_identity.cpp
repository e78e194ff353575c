#include "testca/tls_identity.hpp"

#include "testca/authority.hpp"
#include "testca/files.hpp"

#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

namespace ascep::testca {
namespace {

namespace fs = std::filesystem;

/// subjectAltName with DNS names and IPv4 and IPv6 addresses. Botan 2.19's
/// AlternativeName keeps one kind of IP address only (IPv4), so the
/// GeneralNames are encoded here (structure only: DER_Encoder does it).
class alt_names final : public Botan::Certificate_Extension {
public:
    alt_names(std::vector<std::string> dns, std::vector<std::vector<std::uint8_t>> ips)
        : dns_(std::move(dns)), ips_(std::move(ips))
    {
    }
    Botan::OID oid_of() const override { return Botan::OID::from_string("X509v3.SubjectAlternativeName"); }
    std::string oid_name() const override { return "X509v3.SubjectAlternativeName"; }
    Certificate_Extension* copy() const override { return new alt_names(dns_, ips_); }
    void contents_to(Botan::Data_Store&, Botan::Data_Store&) const override {}

private:
    std::vector<std::uint8_t> encode_inner() const override
    {
        std::vector<std::uint8_t> out;
        Botan::DER_Encoder der(out);
        der.start_cons(Botan::SEQUENCE);
        for (const auto& d : dns_)
            der.add_object(Botan::ASN1_Tag(2), Botan::CONTEXT_SPECIFIC, d); // dNSName
        for (const auto& ip : ips_)
            der.add_object(Botan::ASN1_Tag(7), Botan::CONTEXT_SPECIFIC, ip.data(), ip.size()); // iPAddress
        der.end_cons();
        return out;
    }
    void decode_inner(const std::vector<std::uint8_t>&) override {}

    std::vector<std::string> dns_;
    std::vector<std::vector<std::uint8_t>> ips_;
};

std::optional<std::vector<std::uint8_t>> ip_bytes(const std::string& text)
{
    std::uint8_t buf[16];
    if (::inet_pton(AF_INET, text.c_str(), buf) == 1)
        return std::vector<std::uint8_t>(buf, buf + 4);
    if (::inet_pton(AF_INET6, text.c_str(), buf) == 1)
        return std::vector<std::uint8_t>(buf, buf + 16);
    return std::nullopt;
}

std::string read_or_throw(const fs::path& p, const std::string& what)
{
    const auto text = read_text(p);
    if (!text)
        throw std::runtime_error(what + " " + p.string() + " does not exist");
    return *text;
}

} // namespace

bool valid_tls_name(const std::string& name)
{
    if (ip_bytes(name))
        return true;
    auto rest = std::string_view(name);
    if (rest.rfind("*.", 0) == 0)
        rest.remove_prefix(2);
    return !rest.empty() && rest.size() <= 253 && rest.front() != '.' && rest.front() != '-' &&
           std::all_of(rest.begin(), rest.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
}

tls_material make_tls_material(const fs::path& state, const std::vector<std::string>& names,
                               Botan::RandomNumberGenerator& rng)
{
    std::vector<std::string> dns{"localhost"};
    std::vector<std::vector<std::uint8_t>> ips{*ip_bytes("127.0.0.1"), *ip_bytes("::1")};
    for (const auto& n : names) {
        if (!valid_tls_name(n))
            throw std::runtime_error("--tls-name '" + n + "' is neither an IP address nor a DNS name");
        if (auto ip = ip_bytes(n)) {
            if (std::find(ips.begin(), ips.end(), *ip) == ips.end())
                ips.push_back(std::move(*ip));
        } else if (std::find(dns.begin(), dns.end(), n) == dns.end()) {
            dns.push_back(n);
        }
    }

    const auto now = clock::now();
    // The TLS CA: made once, like the SCEP CA, so that a client's anchor
    // stays good across restarts.
    std::optional<identity> ca;
    if (const auto key = read_file(state / "tls-ca.key")) {
        Botan::DataSource_Memory key_src(*key);
        std::shared_ptr<const Botan::Private_Key> k(Botan::PKCS8::load_key(key_src));
        Botan::DataSource_Memory cert_src(read_or_throw(state / "tls-ca.pem", "TLS anchor"));
        ca.emplace(std::move(k), Botan::X509_Certificate(cert_src));
    } else {
        ca = make_ca(2048, "ascep-testca TLS CA", Botan::BigInt(1), now, rng);
        write_file_atomic(state / "tls-ca.key", Botan::PKCS8::PEM_encode(*ca->key), 0600);
        write_file_atomic(state / "tls-ca.pem", ca->cert.PEM_encode());
    }

    std::shared_ptr<const Botan::Private_Key> server_key;
    if (const auto key = read_file(state / "tls-server.key")) {
        Botan::DataSource_Memory key_src(*key);
        server_key.reset(Botan::PKCS8::load_key(key_src).release());
    } else {
        server_key = std::make_shared<Botan::RSA_PrivateKey>(rng, 2048);
        write_file_atomic(state / "tls-server.key", Botan::PKCS8::PEM_encode(*server_key), 0600);
    }

    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(false), true);
    ext.add(new Botan::Cert_Extension::Key_Usage(
                Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)),
            true);
    ext.add(new Botan::Cert_Extension::Extended_Key_Usage({Botan::OID::from_string("PKIX.ServerAuth")}));
    ext.add(new alt_names(dns, ips));
    const auto spki = server_key->subject_public_key();
    ext.add(new Botan::Cert_Extension::Subject_Key_ID(spki, "SHA-160"));
    ext.add(new Botan::Cert_Extension::Authority_Key_ID(ca->cert.subject_key_id()));
    Botan::X509_DN subject;
    subject.add_attribute("X520.Organization", "ascep test CA");
    subject.add_attribute("X520.CommonName", "localhost");
    Botan::AlgorithmIdentifier sig_alg;
    std::unique_ptr<Botan::PK_Signer> signer(Botan::choose_sig_format(*ca->key, rng, "SHA-256", sig_alg));
    // A serial from the clock: each start issues a new certificate.
    const Botan::BigInt serial(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()));
    const auto cert = Botan::X509_CA::make_cert(signer.get(), rng, serial, sig_alg, spki,
                                                Botan::X509_Time(now - std::chrono::hours(1)),
                                                Botan::X509_Time(now + std::chrono::hours(24 * 365)),
                                                ca->cert.subject_dn(), subject, ext);
    write_file_atomic(state / "tls-server.pem", cert.PEM_encode());
    return {cert.PEM_encode() + ca->cert.PEM_encode(), Botan::PKCS8::PEM_encode(*server_key)};
}

tls_material read_tls_material(const fs::path& cert, const fs::path& key)
{
    return {read_or_throw(cert, "--tls-cert"), read_or_throw(key, "--tls-key")};
}

} // namespace ascep::testca
