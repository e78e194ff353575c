#include "test_csr.hpp"
#include "cms/software_key.hpp"

#include "cms/private_key_ops.hpp"
#include "scep/csr.hpp"

#include <stdexcept>

namespace ascep::test {

Botan::X509_DN request_subject(const request_spec& spec)
{
    std::string why;
    const auto attributes = scep::parse_dn_text(spec.subject, why);
    if (!attributes)
        throw std::invalid_argument("test request subject '" + spec.subject + "': " + why);
    auto dn = scep::make_dn(*attributes, why);
    if (!dn)
        throw std::invalid_argument("test request subject '" + spec.subject + "': " + why);
    return std::move(*dn);
}

std::vector<std::uint8_t> make_request(const Botan::Private_Key& key, const request_spec& spec)
{
    scep::csr_fields f;
    f.subject = request_subject(spec);
    f.challenge = spec.challenge;
    f.dns = spec.dns;
    f.ip = spec.ip;
    f.email = spec.email;
    if (const auto why = scep::check_csr_fields(f))
        throw std::invalid_argument("test request: " + *why);
    return scep::make_csr(cms::software_key(key), f);
}

} // namespace ascep::test
