#include "scep/signed_object.hpp"

#include "asn1/oids.hpp"

#include <boost/system/system_error.hpp>
#include <botan/der_enc.h>

namespace ascep::scep {

Botan::AlgorithmIdentifier sha256_with_rsa_algorithm()
{
    return Botan::AlgorithmIdentifier(asn1::oids::sha256_with_rsa, Botan::AlgorithmIdentifier::USE_NULL_PARAM);
}

std::vector<std::uint8_t> make_signed_object(const cms::private_key_ops& key, const std::vector<std::uint8_t>& tbs)
{
    const auto signature = key.sign(tbs, asn1::digest_algorithm::sha256);
    if (!signature)
        throw boost::system::system_error(signature.error(), "cannot sign");
    std::vector<std::uint8_t> out;
    Botan::DER_Encoder(out)
        .start_cons(Botan::SEQUENCE)
        .raw_bytes(tbs)
        .encode(sha256_with_rsa_algorithm())
        .encode(*signature, Botan::BIT_STRING)
        .end_cons();
    return out;
}

} // namespace ascep::scep
