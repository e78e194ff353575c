// The one private-key interface: every signature and every decryption that
// ascep makes goes through it, whatever holds the key. Two kinds stand
// behind it: cms::software_key (a Botan key in memory, software_key.hpp)
// and keys::pkcs11_key (a key on a PKCS#11 token, HSM or TPM 2.0, which
// never leaves the device; src/keys/). Callers see only the public key and
// the two private operations, so none of them can read a private key out.
#pragma once

#include "asn1/algorithms.hpp"

#include <boost/system/result.hpp>
#include <botan/pk_keys.h>
#include <botan/secmem.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ascep::cms {

/// Implementations are thread-safe: an object may be made on one thread (a
/// fleet worker signs the CSR) and used on another (the event loop signs
/// and decrypts), one operation at a time or concurrently.
class private_key_ops {
public:
    virtual ~private_key_ops() = default;

    /// The public half (RSA): what requests, certificates and transactionIDs
    /// carry. Lives as long as this object.
    virtual const Botan::Public_Key& public_key() const noexcept = 0;

    /// RSA PKCS#1 v1.5 signature (RFC 8017 §8.2) of `message` hashed with
    /// `digest`. Errors: cms::errc::invalid_key (not RSA, the key refused
    /// the operation, the device failed).
    virtual boost::system::result<std::vector<std::uint8_t>> sign(std::span<const std::uint8_t> message,
                                                                  asn1::digest_algorithm digest) const = 0;

    /// Opens an RSA key-transport block padded with the Botan EME `eme`
    /// ("EME-PKCS1-v1_5", "OAEP(SHA-256,MGF1(SHA-1))"). Bad padding is an
    /// error, never random output (see enveloped_data.cpp unwrap_key).
    /// Errors: invalid_key (not RSA), decryption_failed (bad ciphertext or
    /// padding), unsupported_algorithm (an EME this key cannot do).
    virtual boost::system::result<Botan::secure_vector<std::uint8_t>> decrypt(
        std::span<const std::uint8_t> ciphertext, const std::string& eme) const = 0;

    /// True when an operation waits on a device (a token's driver, a TPM):
    /// callers that run an event loop for other work do it elsewhere.
    virtual bool blocking() const noexcept { return false; }

protected:
    private_key_ops() = default;
    private_key_ops(const private_key_ops&) = default;
    private_key_ops& operator=(const private_key_ops&) = default;
};

} // namespace ascep::cms
