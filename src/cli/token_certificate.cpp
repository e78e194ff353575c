#include "cli/token_certificate.hpp"

#include "keys/pkcs11_key.hpp"

#include <botan/der_enc.h>

namespace ascep::cli {

file_result<void> store_on_token(const cms::private_key_ops& key, const Botan::X509_Certificate& cert)
{
    const auto* token_key = dynamic_cast<const keys::pkcs11_key*>(&key);
    if (token_key == nullptr)
        return file_failure("--store-cert needs a token key (-k pkcs11:...)");
    // CKA_SERIAL_NUMBER is the DER INTEGER (PKCS#11 v2.40 §4.6.3).
    std::vector<std::uint8_t> serial;
    Botan::DER_Encoder(serial).encode(Botan::BigInt(cert.serial_number()));
    const auto why = token_key->owner().store_certificate(cert.BER_encode(), cert.raw_subject_dn(),
                                                          cert.raw_issuer_dn(), serial, token_key->id(),
                                                          token_key->label());
    if (!why.empty())
        return file_failure(why);
    return {};
}

} // namespace ascep::cli
