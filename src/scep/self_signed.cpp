#include "scep/self_signed.hpp"

#include <botan/bigint.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>

#include <memory>

namespace ascep::scep {

Botan::X509_Certificate make_self_signed(const Botan::Private_Key& key, const Botan::X509_DN& subject,
                                         std::chrono::system_clock::time_point now,
                                         Botan::RandomNumberGenerator& rng)
{
    Botan::AlgorithmIdentifier sig_alg;
    std::unique_ptr<Botan::PK_Signer> signer(Botan::choose_sig_format(key, rng, "SHA-256", sig_alg));

    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Key_Usage(
        Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)));

    // Random positive serial: clear the top bit so the INTEGER is not negative.
    auto serial_bytes = rng.random_vec(8);
    serial_bytes[0] = static_cast<std::uint8_t>((serial_bytes[0] & 0x7f) | 0x01);
    const Botan::BigInt serial(serial_bytes.data(), serial_bytes.size());

    using std::chrono::hours;
    return Botan::X509_CA::make_cert(signer.get(), rng, serial, sig_alg, key.subject_public_key(),
                                     Botan::X509_Time(now - hours(1)), Botan::X509_Time(now + hours(24 * 365)),
                                     subject, subject, ext);
}

} // namespace ascep::scep
