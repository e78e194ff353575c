#include "asn1/rfc4514.hpp"

#include "asn1/ber.hpp"

#include <botan/der_enc.h>
#include <botan/hex.h>

#include <array>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace ascep::asn1 {
namespace {

/// Short names for the types OpenSSL and RFC 4514 name (RFC 4514 §3, then
/// OpenSSL's short names for the rest of X.520 and PKCS#9 that certificates use).
std::string type_name(const Botan::OID& oid)
{
    static const std::array<std::pair<const char*, const char*>, 27> names{{
        {"2.5.4.3", "CN"},
        {"2.5.4.4", "SN"},
        {"2.5.4.5", "serialNumber"},
        {"2.5.4.6", "C"},
        {"2.5.4.7", "L"},
        {"2.5.4.8", "ST"},
        {"2.5.4.9", "street"},
        {"2.5.4.10", "O"},
        {"2.5.4.11", "OU"},
        {"2.5.4.12", "title"},
        {"2.5.4.13", "description"},
        {"2.5.4.15", "businessCategory"},
        {"2.5.4.16", "postalAddress"},
        {"2.5.4.17", "postalCode"},
        {"2.5.4.18", "postOfficeBox"},
        {"2.5.4.41", "name"},
        {"2.5.4.42", "GN"},
        {"2.5.4.43", "initials"},
        {"2.5.4.44", "generationQualifier"},
        {"2.5.4.46", "dnQualifier"},
        {"2.5.4.65", "pseudonym"},
        {"2.5.4.97", "organizationIdentifier"},
        {"0.9.2342.19200300.100.1.1", "UID"},
        {"0.9.2342.19200300.100.1.25", "DC"},
        {"1.2.840.113549.1.9.1", "emailAddress"},
        {"1.2.840.113549.1.9.2", "unstructuredName"},
        {"1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"},
    }};
    const auto dotted = oid.to_string();
    for (const auto& [number, name] : names)
        if (dotted == number)
            return name;
    return {};
}

void append_utf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/// The value as UTF-8 when it is a string type; nullopt otherwise.
std::optional<std::string> string_value(const Botan::BER_Object& value)
{
    if (value.get_class() != Botan::UNIVERSAL)
        return std::nullopt;
    const auto data = contents(value);
    std::string out;
    switch (value.type()) {
    case Botan::UTF8_STRING:
    case Botan::PRINTABLE_STRING:
    case Botan::IA5_STRING:
    case Botan::NUMERIC_STRING:
    case Botan::VISIBLE_STRING:
        return std::string(data.begin(), data.end());
    case Botan::T61_STRING: // as OpenSSL reads it: Latin-1
        for (const auto b : data)
            append_utf8(out, b);
        return out;
    case Botan::BMP_STRING:
        if (data.size() % 2 != 0)
            return std::nullopt;
        for (std::size_t i = 0; i < data.size(); i += 2)
            append_utf8(out, static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]));
        return out;
    case Botan::UNIVERSAL_STRING:
        if (data.size() % 4 != 0)
            return std::nullopt;
        for (std::size_t i = 0; i < data.size(); i += 4) {
            const auto cp = static_cast<std::uint32_t>(data[i]) << 24 | static_cast<std::uint32_t>(data[i + 1]) << 16 |
                            static_cast<std::uint32_t>(data[i + 2]) << 8 | data[i + 3];
            if (cp > 0x10FFFF)
                return std::nullopt;
            append_utf8(out, cp);
        }
        return out;
    default:
        return std::nullopt;
    }
}

/// Length of the valid UTF-8 sequence at s[i] (2 to 4), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        cp = b & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (c & 0x3F);
    }
    // No overlong forms, no surrogates, nothing above U+10FFFF.
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void append_hex_escape(std::string& out, unsigned char c)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    out += '\\';
    out += hex[c >> 4];
    out += hex[c & 15];
}

/// RFC 4514 §2.4: the characters that must be escaped, and no others
/// (control characters and invalid UTF-8 as \XX, so that a hostile
/// certificate cannot write escape sequences to a terminal).
std::string escaped(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            if (const auto n = utf8_sequence(s, i)) {
                out.append(s.substr(i, n));
                i += n;
            } else {
                append_hex_escape(out, c);
                ++i;
            }
            continue;
        }
        const bool first = i == 0;
        const bool last = i + 1 == s.size();
        if (c < 0x20 || c == 0x7F)
            append_hex_escape(out, c);
        else if (c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\' ||
                 (first && (c == ' ' || c == '#')) || (last && c == ' ')) {
            out += '\\';
            out += static_cast<char>(c);
        } else {
            out += static_cast<char>(c);
        }
        ++i;
    }
    return out;
}

std::string attribute_text(const Botan::BER_Object& atv)
{
    if (!is_sequence(atv))
        fail("Name: an AttributeTypeAndValue is not a SEQUENCE");
    const auto parts = children(atv);
    if (parts.size() != 2)
        fail("Name: an AttributeTypeAndValue does not hold a type and a value");
    const auto oid = to_oid(parts[0]);
    const auto name = type_name(oid);
    if (!name.empty())
        if (const auto text = string_value(parts[1]))
            return name + "=" + escaped(*text);
    const auto der = encode_tlv(parts[1]);
    return (name.empty() ? oid.to_string() : name) + "=#" + Botan::hex_encode(der);
}

} // namespace

std::string rfc4514(std::span<const std::uint8_t> name_der)
{
    const auto name = read_single(name_der);
    if (!is_sequence(name))
        fail("Name: not a SEQUENCE");
    const auto rdns = children(name);
    std::string out;
    for (auto rdn = rdns.rbegin(); rdn != rdns.rend(); ++rdn) {
        if (!rdn->is_a(Botan::SET, Botan::CONSTRUCTED))
            fail("Name: a RelativeDistinguishedName is not a SET");
        const auto atvs = children(*rdn);
        if (atvs.empty())
            fail("Name: an empty RelativeDistinguishedName");
        if (!out.empty())
            out += ',';
        // The values of a multi-valued RDN last to first too, as openssl
        // prints them (RFC 4514 gives their order no meaning).
        for (auto atv = atvs.rbegin(); atv != atvs.rend(); ++atv) {
            if (atv != atvs.rbegin())
                out += '+';
            out += attribute_text(*atv);
        }
    }
    return out;
}

std::string rfc4514(const Botan::X509_DN& dn)
{
    std::vector<std::uint8_t> der;
    Botan::DER_Encoder(der).encode(dn);
    return rfc4514(der);
}

} // namespace ascep::asn1
