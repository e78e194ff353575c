#include "scep/self_signed.hpp"

#include "scep/sign_certificate.hpp"

#include <botan/bigint.h>
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

    using std::chrono::hours;
    return sign_certificate(key, {.serial = serial,
                                  .issuer = subject,
                                  .subject = subject,
                                  .not_before = now - hours(1),
                                  .not_after = now + hours(24 * 365),
                                  .subject_public_key = key.public_key().subject_public_key(),
                                  .extensions = ext});
}

} // namespace ascep::scep
