#include "scep/caps.hpp"

#include <algorithm>
#include <cctype>

namespace ascep::scep {
namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

std::string_view trim(std::string_view s)
{
    const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

asn1::cipher_algorithm pick_cipher(const ca_caps& caps, std::vector<std::string>& warnings)
{
    if (caps.has("AES") || caps.scep_standard())
        return asn1::cipher_algorithm::aes128_cbc;
    if (caps.has("DES3"))
        return asn1::cipher_algorithm::des_ede3_cbc;
    warnings.emplace_back("the CA advertises neither AES nor DES3: encrypting with single DES (use -E to choose)");
    return asn1::cipher_algorithm::des_cbc;
}

asn1::digest_algorithm pick_digest(const ca_caps& caps, std::vector<std::string>& warnings)
{
    if (caps.has("SHA-256") || caps.scep_standard())
        return asn1::digest_algorithm::sha256;
    if (caps.has("SHA-512"))
        return asn1::digest_algorithm::sha512;
    if (caps.has("SHA-1"))
        return asn1::digest_algorithm::sha1;
    warnings.emplace_back("the CA advertises no SHA digest: signing with MD5 (use -S to choose)");
    return asn1::digest_algorithm::md5;
}

} // namespace

bool ca_caps::has(std::string_view keyword) const
{
    return std::any_of(keywords.begin(), keywords.end(), [&](const std::string& k) { return iequals(k, keyword); });
}

ca_caps parse_caps(std::string_view body)
{
    ca_caps caps;
    while (!body.empty()) {
        const auto eol = body.find('\n');
        const auto line = trim(body.substr(0, eol));
        if (!line.empty())
            caps.keywords.emplace_back(line);
        body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    }
    return caps;
}

algorithm_choice choose_algorithms(const ca_caps& caps, const algorithm_overrides& overrides)
{
    algorithm_choice c;
    c.cipher = overrides.cipher ? *overrides.cipher : pick_cipher(caps, c.warnings);
    c.digest = overrides.digest ? *overrides.digest : pick_digest(caps, c.warnings);
    c.use_post = caps.post();
    return c;
}

} // namespace ascep::scep
