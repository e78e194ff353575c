#include "scep/csr.hpp"

#include "scep/signed_object.hpp"

#include "asn1/ber.hpp"
#include "asn1/der_set.hpp"
#include "asn1/oids.hpp"

#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/pubkey.h>
#include <botan/oids.h>
#include <botan/x509_ext.h>
#include <botan/x509_obj.h>

#include <cctype>
#include <stdexcept>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace ascep::scep {
namespace {

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

/// OpenSSL's attribute names that Botan 2 does not know, case-insensitive.
/// (SN stays Botan's serialNumber; OpenSSL reads it as surname.)
std::string openssl_alias(const std::string& type)
{
    static const std::pair<const char*, const char*> aliases[] = {
        {"emailaddress", "PKCS9.EmailAddress"}, {"e", "PKCS9.EmailAddress"},
        {"serialnumber", "X520.SerialNumber"},  {"title", "X520.Title"},
        {"givenname", "X520.GivenName"},        {"gn", "X520.GivenName"},
        {"surname", "X520.Surname"},            {"initials", "X520.Initials"},
        {"dc", "0.9.2342.19200300.100.1.25"},  {"domaincomponent", "0.9.2342.19200300.100.1.25"},
        {"uid", "0.9.2342.19200300.100.1.1"},  {"street", "2.5.4.9"},
        {"postalcode", "2.5.4.17"},             {"pseudonym", "X520.Pseudonym"},
    };
    std::string lower;
    for (char c : type)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [name, full] : aliases)
        if (lower == name)
            return full;
    return Botan::X509_DN::deref_info_field(type);
}

bool is_ipv4(const std::string& text)
{
    in_addr a{};
    return ::inet_pton(AF_INET, text.c_str(), &a) == 1;
}

/// A signed X.509 object (SIGNED{} in X.509's ASN.1) and nothing more:
/// Botan's X509_Object reads the signature algorithm's parameters and
/// verifies any scheme it knows, and this subclass skips the decoding of
/// the body that makes PKCS10_Request refuse a version other than 0.
class signed_object_view final : public Botan::X509_Object {
public:
    explicit signed_object_view(std::span<const std::uint8_t> der)
    {
        Botan::BER_Decoder dec(der.data(), der.size());
        decode_from(dec);
        dec.verify_end();
    }

    std::string PEM_label() const override { return "CERTIFICATE REQUEST"; }

private:
    void force_decode() override {}
};

} // namespace

std::optional<std::vector<dn_attribute>> parse_dn_text(std::string_view text, std::string& why)
{
    std::vector<dn_attribute> attrs;
    std::string current;
    bool escaped = false;
    auto flush = [&]() {
        const auto eq = current.find('=');
        std::string type = eq == std::string::npos ? std::string() : trim(current.substr(0, eq));
        std::string value = eq == std::string::npos ? std::string() : trim(current.substr(eq + 1));
        if (type.empty() || value.empty()) {
            why = "not TYPE=value,TYPE=value (at '" + current + "')";
            return false;
        }
        attrs.push_back({std::move(type), std::move(value)});
        current.clear();
        return true;
    };
    for (char c : text) {
        if (escaped) {
            current += c;
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == ',') {
            if (!flush())
                return std::nullopt;
        } else {
            current += c;
        }
    }
    if (escaped) {
        why = "cut short by a lone backslash at the end";
        return std::nullopt;
    }
    if (!flush())
        return std::nullopt;
    return attrs;
}

std::optional<Botan::X509_DN> make_dn(const std::vector<dn_attribute>& attributes, std::string& why)
{
    if (attributes.empty()) {
        why = "empty subject";
        return std::nullopt;
    }
    Botan::X509_DN dn;
    for (const auto& a : attributes) {
        // Botan maps long and short names to OIDs; an unknown name throws, or
        // (for names it only half knows) yields no OID at all.
        const std::string full = openssl_alias(a.type);
        try {
            if (Botan::OIDS::str2oid_or_empty(full).empty() && Botan::OID(full).empty())
                throw std::invalid_argument(full);
            dn.add_attribute(full, a.value);
        } catch (const std::exception&) {
            why = "unknown attribute type '" + a.type + "'";
            return std::nullopt;
        }
    }
    return dn;
}

std::optional<std::string> check_csr_fields(const csr_fields& fields)
{
    if (fields.subject.empty())
        return "empty subject";
    for (const auto& ip : fields.ip)
        if (!is_ipv4(ip))
            return "'" + ip + "' is not an IPv4 address (Botan 2 encodes no other in subjectAltName)";
    for (const auto& d : fields.dns)
        if (d.empty() || d.find_first_of(" \t") != std::string::npos)
            return "'" + d + "' is not a DNS name";
    for (const auto& e : fields.email)
        if (e.find('@') == std::string::npos || e.front() == '@' || e.back() == '@')
            return "'" + e + "' is not an email address";
    return std::nullopt;
}

Botan::Extensions csr_extensions(const csr_fields& fields)
{
    Botan::AlternativeName names;
    for (const auto& d : fields.dns)
        names.add_attribute("DNS", d);
    for (const auto& e : fields.email)
        names.add_attribute("RFC822", e);
    for (const auto& ip : fields.ip)
        names.add_attribute("IP", ip);
    Botan::Extensions ext;
    if (names.has_items())
        ext.add(new Botan::Cert_Extension::Subject_Alternative_Name(names));
    ext.add(new Botan::Cert_Extension::Key_Usage(
        Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)));
    return ext;
}

std::vector<std::uint8_t> make_csr(const cms::private_key_ops& key, const csr_fields& fields)
{
    const Botan::Extensions ext = csr_extensions(fields);

    std::vector<asn1::bytes> attributes;
    if (!fields.challenge.empty()) {
        std::vector<std::uint8_t> value;
        Botan::DER_Encoder(value).encode(Botan::ASN1_String(fields.challenge));
        attributes.push_back(cms::encode_attribute({asn1::oids::challenge_password, {value}}));
    }
    std::vector<std::uint8_t> requested;
    Botan::DER_Encoder(requested).start_cons(Botan::SEQUENCE).encode(ext).end_cons();
    attributes.push_back(cms::encode_attribute({asn1::oids::extension_request, {requested}}));

    // CertificationRequestInfo as Botan 2.19's PKCS10_Request::create writes
    // it: version 0, subject, key, [0] IMPLICIT SET OF Attribute; but that
    // set in DER order, which Botan's start_explicit(0) does not sort.
    std::vector<std::uint8_t> tbs;
    Botan::DER_Encoder(tbs)
        .start_cons(Botan::SEQUENCE)
        .encode(std::size_t{0})
        .encode(fields.subject)
        .raw_bytes(key.public_key().subject_public_key())
        .raw_bytes(asn1::encode_der_set_of(std::move(attributes), Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC))
        .end_cons();
    return make_signed_object(key, tbs);
}

std::optional<csr_summary> read_csr(std::span<const std::uint8_t> der)
{
    try {
        // CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, BIT STRING }
        // info ::= SEQUENCE { version, subject, SubjectPublicKeyInfo, [0] attributes }
        // (attributes may be missing altogether: Botan accepts that too)
        const auto outer = asn1::children(asn1::read_single(der));
        if (outer.size() != 3 || !asn1::is_sequence(outer[0]) || !asn1::is_universal(outer[2], Botan::BIT_STRING))
            return std::nullopt;
        const auto info = asn1::children(outer[0]);
        if (info.size() < 3 || info.size() > 4 || !asn1::is_sequence(info[2]) ||
            (info.size() == 4 && !asn1::is_context(info[3], 0)))
            return std::nullopt;
        const auto version = asn1::to_small_int(info[0]); // throws when negative or huge
        if (version > max_csr_version)
            return std::nullopt;
        const auto spki = asn1::children(info[2]);
        if (spki.size() != 2 || !asn1::is_universal(spki[1], Botan::BIT_STRING))
            return std::nullopt;

        csr_summary out;
        out.version = static_cast<std::uint32_t>(version);
        out.subject = asn1::decode_as<Botan::X509_DN>(info[1]);
        out.key_algorithm = asn1::to_algorithm_id(spki[0]).oid;
        Botan::BER_Decoder(asn1::encode_tlv(spki[1])).decode(out.public_key_bits, Botan::BIT_STRING).verify_end();
        out.subject_public_key_info = asn1::encode_tlv(info[2]);
        if (info.size() == 4)
            for (const auto& a : asn1::children(info[3]))
                out.attributes.push_back(cms::decode_attribute(a));
        out.signed_bytes = asn1::encode_tlv(outer[0]);
        out.signature_algorithm = asn1::to_algorithm_id(outer[1]).oid;
        Botan::BER_Decoder(asn1::encode_tlv(outer[2])).decode(out.signature, Botan::BIT_STRING).verify_end();
        return out;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::string> csr_version_warning(const csr_summary& csr)
{
    if (csr.version == 0)
        return std::nullopt;
    return "the certificate request's version is " + std::to_string(csr.version) +
           "; PKCS#10 defines only 0 (v1). Decoded anyway, as OpenSSL, Go and the CAs that serve iOS devices do";
}

std::optional<Botan::Extensions> requested_extensions(const csr_summary& csr)
{
    Botan::Extensions out;
    const auto* attr = cms::find_attribute(csr.attributes, asn1::oids::extension_request);
    if (!attr)
        return out;
    const auto value = attr->single_value();
    if (!value)
        return std::nullopt;
    try {
        Botan::BER_Decoder(*value).decode(out).verify_end();
        return out;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::string> challenge_password(const csr_summary& csr)
{
    const auto* attr = cms::find_attribute(csr.attributes, asn1::oids::challenge_password);
    if (!attr)
        return std::string();
    const auto value = attr->single_value();
    if (!value)
        return std::nullopt;
    try {
        Botan::ASN1_String text;
        Botan::BER_Decoder(*value).decode(text).verify_end();
        return text.value();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool csr_is_for(const csr_summary& csr, const Botan::Public_Key& key)
{
    return csr.key_algorithm == key.get_oid() && csr.public_key_bits == key.public_key_bits();
}

std::optional<bool> csr_signed_by(const csr_summary& csr, const Botan::Public_Key& key)
{
    if (!csr_is_for(csr, key))
        return false;
    const auto digest = asn1::digest_of_signature_oid(csr.signature_algorithm);
    if (!digest || key.algo_name() != "RSA")
        return std::nullopt;
    try {
        Botan::PK_Verifier verifier(key, "EMSA3(" + asn1::botan_name(*digest) + ")");
        return verifier.verify_message(csr.signed_bytes, csr.signature);
    } catch (const std::exception&) {
        return false;
    }
}

bool csr_signature_verifies(std::span<const std::uint8_t> der, const Botan::Public_Key& key)
{
    try {
        asn1::check_limits(der);
        return signed_object_view(der).check_signature(key);
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace ascep::scep
