#include "scep/sign_certificate.hpp"

#include "scep/signed_object.hpp"

#include <botan/der_enc.h>

namespace ascep::scep {

Botan::X509_Certificate sign_certificate(const cms::private_key_ops& signer, const certificate_fields& f)
{
    const std::size_t v3 = 2;
    std::vector<std::uint8_t> tbs;
    Botan::DER_Encoder(tbs)
        .start_cons(Botan::SEQUENCE)
        .start_explicit(0)
        .encode(v3)
        .end_explicit()
        .encode(f.serial)
        .encode(sha256_with_rsa_algorithm())
        .encode(f.issuer)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::X509_Time(f.not_before))
        .encode(Botan::X509_Time(f.not_after))
        .end_cons()
        .encode(f.subject)
        .raw_bytes(f.subject_public_key)
        .start_explicit(3)
        .start_cons(Botan::SEQUENCE)
        .encode(f.extensions)
        .end_cons()
        .end_explicit()
        .end_cons();
    return Botan::X509_Certificate(make_signed_object(signer, tbs));
}

} // namespace ascep::scep
