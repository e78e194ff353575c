#include "cms/certificate_id.hpp"

#include "asn1/ber.hpp"

namespace ascep::cms {

bool certificate_id::matches(const Botan::X509_Certificate& cert) const
{
    if (issuer_serial)
        return issuer_serial->matches(cert);
    if (subject_key_id.empty())
        return false;
    const auto& ski = cert.subject_key_id();
    return subject_key_id == (ski.empty() ? cert.subject_public_key_bitstring_sha1() : ski);
}

certificate_id certificate_id::decode_from(const Botan::BER_Object& obj)
{
    certificate_id id;
    if (asn1::is_sequence(obj))
        id.issuer_serial = issuer_and_serial::decode_from(obj);
    else if (asn1::is_context(obj, 0))
        id.subject_key_id = asn1::octets(obj);
    else
        asn1::fail("certificate identifier is neither issuerAndSerialNumber nor [0]");
    return id;
}

} // namespace ascep::cms
