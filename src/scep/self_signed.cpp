#include "scep/self_signed.hpp"

#include "scep/signed_object.hpp"

#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/x509_ext.h>

namespace ascep::scep {

Botan::X509_Certificate make_self_signed(const cms::private_key_ops& key, const Botan::X509_DN& subject,
                                         std::chrono::system_clock::time_point now,
                                         Botan::RandomNumberGenerator& rng)
{
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Key_Usage(
        Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)));

    // Random positive serial: clear the top bit so the INTEGER is not negative.
    auto serial_bytes = rng.random_vec(8);
    serial_bytes[0] = static_cast<std::uint8_t>((serial_bytes[0] & 0x7f) | 0x01);
    const Botan::BigInt serial(serial_bytes.data(), serial_bytes.size());

    // TBSCertificate field by field as Botan 2.19's X509_CA::make_cert writes
    // it: v3, serial, signature algorithm, issuer, validity, subject, key,
    // [3] extensions.
    using std::chrono::hours;
    const std::size_t v3 = 2;
    std::vector<std::uint8_t> tbs;
    Botan::DER_Encoder(tbs)
        .start_cons(Botan::SEQUENCE)
        .start_explicit(0)
        .encode(v3)
        .end_explicit()
        .encode(serial)
        .encode(sha256_with_rsa_algorithm())
        .encode(subject)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::X509_Time(now - hours(1)))
        .encode(Botan::X509_Time(now + hours(24 * 365)))
        .end_cons()
        .encode(subject)
        .raw_bytes(key.public_key().subject_public_key())
        .start_explicit(3)
        .start_cons(Botan::SEQUENCE)
        .encode(ext)
        .end_cons()
        .end_explicit()
        .end_cons();
    return Botan::X509_Certificate(make_signed_object(key, tbs));
}

} // namespace ascep::scep
