#include "cli/inspect_describe.hpp"

#include "asn1/rfc4514.hpp"
#include "asn1/oids.hpp"
#include "asn1/rfc3339.hpp"

#include <botan/ber_dec.h>
#include <botan/hex.h>
#include <botan/oids.h>
#include <botan/pkix_types.h>
#include <botan/x509_ext.h>
#include <botan/x509_key.h>

#include <memory>

namespace ascep::cli {

void description::add(const std::string& label, boost::json::string_view key, boost::json::value value,
                      const std::string& text)
{
    lines.push_back(label + ": " + text);
    json[key] = std::move(value);
}

std::string hex_of(std::span<const std::uint8_t> data)
{
    return data.empty() ? std::string() : Botan::hex_encode(data.data(), data.size());
}

std::string name_text(std::span<const std::uint8_t> name_der)
{
    try {
        return asn1::rfc4514(name_der);
    } catch (const std::exception&) {
        return "(undecodable name)";
    }
}

std::string signature_algorithm_name(const Botan::OID& oid)
{
    namespace o = asn1::oids;
    if (oid == o::rsa_encryption)
        return "rsaEncryption";
    if (oid == o::md5_with_rsa)
        return "md5WithRSAEncryption";
    if (oid == o::sha1_with_rsa)
        return "sha1WithRSAEncryption";
    if (oid == o::sha224_with_rsa)
        return "sha224WithRSAEncryption";
    if (oid == o::sha256_with_rsa)
        return "sha256WithRSAEncryption";
    if (oid == o::sha384_with_rsa)
        return "sha384WithRSAEncryption";
    if (oid == o::sha512_with_rsa)
        return "sha512WithRSAEncryption";
    return Botan::OIDS::oid2str_or_empty(oid);
}

std::string key_usage_text(Botan::Key_Constraints usage)
{
    if (usage == Botan::NO_CONSTRAINTS)
        return "(no keyUsage extension)";
    std::string out;
    const auto add = [&](Botan::Key_Constraints bit, const char* name) {
        if (usage & bit)
            out += out.empty() ? name : std::string(", ") + name;
    };
    // The names getca prints, which are OpenSSL's.
    add(Botan::DIGITAL_SIGNATURE, "Digital Signature");
    add(Botan::NON_REPUDIATION, "Non Repudiation");
    add(Botan::KEY_ENCIPHERMENT, "Key Encipherment");
    add(Botan::DATA_ENCIPHERMENT, "Data Encipherment");
    add(Botan::KEY_AGREEMENT, "Key Agreement");
    add(Botan::KEY_CERT_SIGN, "Certificate Sign");
    add(Botan::CRL_SIGN, "CRL Sign");
    add(Botan::ENCIPHER_ONLY, "Encipher Only");
    add(Botan::DECIPHER_ONLY, "Decipher Only");
    return out;
}

description describe_id(const cms::certificate_id& id)
{
    description d;
    if (id.issuer_serial) {
        const auto issuer = name_text(id.issuer_serial->issuer);
        const auto serial = hex_of(Botan::BigInt::encode(id.issuer_serial->serial));
        d.json["issuer"] = issuer;
        d.json["serial"] = serial;
        d.lines.push_back("issuer " + issuer + ", serial " + serial);
    } else {
        const auto ski = hex_of(id.subject_key_id);
        d.json["subject_key_identifier"] = ski;
        d.lines.push_back("subjectKeyIdentifier " + ski);
    }
    return d;
}

description describe_certificate(const Botan::X509_Certificate& cert, const Botan::Public_Key* our_key)
{
    description d;
    d.add("subject", "subject", asn1::rfc4514(cert.subject_dn()));
    d.add("issuer", "issuer", asn1::rfc4514(cert.issuer_dn()));
    const auto serial = hex_of(cert.serial_number());
    d.add("serial", "serial", serial);
    const auto from = asn1::rfc3339(cert.not_before());
    const auto until = asn1::rfc3339(cert.not_after());
    d.lines.push_back("validity: " + from + " to " + until);
    d.json["not_before"] = from;
    d.json["not_after"] = until;
    const auto usage = key_usage_text(cert.constraints());
    d.add("key usage", "key_usage", usage);

    const auto* bc = cert.v3_extensions().get_extension_object_as<Botan::Cert_Extension::Basic_Constraints>();
    if (bc) {
        d.add("basicConstraints", "ca", bc->get_is_ca(), bc->get_is_ca() ? "CA:TRUE" : "CA:FALSE");
    } else {
        d.lines.push_back("basicConstraints: (absent)");
        d.json["ca"] = false;
    }

    try {
        const std::unique_ptr<Botan::Public_Key> key(cert.subject_public_key());
        d.lines.push_back("public key: " + key->algo_name() + " " + std::to_string(key->key_length()) + " bits");
        d.json["public_key_algorithm"] = key->algo_name();
        d.json["public_key_bits"] = key->key_length();
    } catch (const std::exception& e) {
        d.add("public key", "public_key_algorithm", "unknown", std::string("cannot be read (") + e.what() + ")");
    }
    const auto fp = cert.fingerprint("SHA-256");
    d.add("SHA-256 fingerprint", "sha256_fingerprint", fp);
    if (our_key) {
        const bool same = cert.subject_public_key_bitstring() == our_key->public_key_bits();
        d.add("public key equals -k key", "key_matches", same, same ? "yes" : "NO");
    }
    return d;
}

description describe_request(const scep::csr_summary& csr, std::span<const std::uint8_t> der)
{
    description d;
    d.add("subject", "subject", asn1::rfc4514(csr.subject));
    d.json["version"] = csr.version;
    bool signature_valid = false;
    try {
        const std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(csr.subject_public_key_info));
        d.lines.push_back("public key: " + key->algo_name() + " " + std::to_string(key->key_length()) + " bits");
        d.json["public_key_algorithm"] = key->algo_name();
        d.json["public_key_bits"] = key->key_length();
        signature_valid = scep::csr_signature_verifies(der, *key);
    } catch (const std::exception& e) {
        d.add("public key", "public_key_algorithm", "unknown", std::string("cannot be read (") + e.what() + ")");
    }
    // Presence only: the challenge is a secret shared with the CA.
    const bool challenge = cms::find_attribute(csr.attributes, asn1::oids::challenge_password) != nullptr;
    d.add("challengePassword", "challenge_password", challenge, challenge ? "present" : "absent");

    const auto extensions = scep::requested_extensions(csr);
    boost::json::array names;
    std::string text;
    if (const auto* san = extensions ? extensions->get_extension_object_as<Botan::Cert_Extension::Subject_Alternative_Name>()
                                     : nullptr) {
        for (const auto& [type, value] : san->get_alt_name().contents()) {
            const std::string entry = (type == "RFC822" ? std::string("email") : type) + ":" + value;
            names.emplace_back(entry);
            text += text.empty() ? entry : ", " + entry;
        }
    }
    if (!extensions)
        text = "(the extensionRequest attribute does not decode)";
    d.add("subjectAltName", "subject_alt_names", std::move(names), text.empty() ? "(none)" : text);
    d.add("self-signature", "signature_valid", signature_valid, signature_valid ? "valid" : "INVALID");
    return d;
}

description describe_crl(const Botan::X509_CRL& crl)
{
    description d;
    d.add("issuer", "issuer", asn1::rfc4514(crl.issuer_dn()));
    const auto this_update = asn1::rfc3339(crl.this_update());
    const auto next_update = asn1::rfc3339(crl.next_update());
    d.add("thisUpdate", "this_update", this_update);
    d.add("nextUpdate", "next_update", next_update);
    const auto revoked = crl.get_revoked().size();
    d.add("revoked certificates", "revoked", revoked, std::to_string(revoked));
    return d;
}

} // namespace ascep::cli
