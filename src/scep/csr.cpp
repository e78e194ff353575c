#include "scep/csr.hpp"

#include <botan/oids.h>
#include <botan/x509_ext.h>

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

Botan::PKCS10_Request make_csr(const Botan::Private_Key& key, const csr_fields& fields,
                               Botan::RandomNumberGenerator& rng)
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
    return Botan::PKCS10_Request::create(key, fields.subject, ext, "SHA-256", rng, "", fields.challenge);
}

} // namespace ascep::scep
