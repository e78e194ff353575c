// One RSA private key with ONE private operation, made on first use and
// kept. Botan 2.19 builds a fresh RSA blinder (a constant-time modular
// inverse, ~1.5 ms at 2048 bits) for every PK_Signer and PK_Decryptor, and an
// enrollment needs four of them for the same key: the CSR, the self-signed
// certificate, the pkiMessage signature and the reply's key transport. Here
// all of them go through one Botan RSA private operation (RSASP1 and RSADP
// are the same m^d mod n): Botan's EMSA encodes the signature's input and
// Botan's EME removes the key transport's padding around it. No RSA maths
// is done here.
#pragma once

#include "asn1/algorithms.hpp"

#include <boost/system/result.hpp>
#include <botan/pk_keys.h>
#include <botan/pubkey.h>
#include <botan/secmem.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace ascep::cms {

/// Thread-safe: one mutex serialises the operation, so the object may be made
/// on one thread (a fleet worker builds the CSR) and used on another (the
/// event loop signs and decrypts). The blinder draws from Botan's
/// system_rng(), not from a caller's generator: Botan keeps a reference to
/// that generator for the operation's whole life, and callers' generators
/// are often thread_local.
class private_key_ops {
public:
    /// Shares ownership of `key`.
    explicit private_key_ops(std::shared_ptr<const Botan::Private_Key> key);
    /// Borrows `key`, which must outlive this object.
    explicit private_key_ops(const Botan::Private_Key& key);

    ~private_key_ops();

    private_key_ops(const private_key_ops&) = delete;
    private_key_ops& operator=(const private_key_ops&) = delete;

    const Botan::Private_Key& key() const noexcept { return *key_; }
    /// The key as a shared pointer (an empty-owner alias when borrowed).
    const std::shared_ptr<const Botan::Private_Key>& shared_key() const noexcept { return key_; }

    /// RSA PKCS#1 v1.5 signature (EMSA3) of `message` hashed with `digest`.
    /// Errors: cms::errc::invalid_key (not RSA, key too small, Botan failure).
    boost::system::result<std::vector<std::uint8_t>> sign(std::span<const std::uint8_t> message,
                                                          asn1::digest_algorithm digest) const;

    /// Opens an RSA key-transport block padded with the Botan EME `eme`
    /// ("EME-PKCS1-v1_5", "OAEP(SHA-256,MGF1(SHA-1))"). Bad padding is an
    /// error, never random output (see enveloped_data.cpp unwrap_key).
    /// Errors: invalid_key (not RSA), decryption_failed (bad ciphertext or
    /// padding), unsupported_algorithm (an EME Botan does not know).
    boost::system::result<Botan::secure_vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> ciphertext,
                                                                      const std::string& eme) const;

    /// How many private operations (blinders) this object has made: 0 before
    /// the first use, then 1 for good. Tests count it.
    unsigned operations_made() const;

private:
    /// x^d mod n as big-endian bytes of the modulus' length, by Botan's RSA
    /// operation (blinded, checked with the public exponent); throws Botan's
    /// exceptions (x >= n, consistency check). Locks.
    Botan::secure_vector<std::uint8_t> private_op(std::span<const std::uint8_t> x) const;

    std::shared_ptr<const Botan::Private_Key> key_;
    mutable std::mutex mutex_;
    /// Botan's RSA private operation behind a "Raw" decryptor: it returns
    /// secure_vector (zeroed when freed), which a "Raw" PK_Signer does not.
    mutable std::unique_ptr<Botan::PK_Decryptor_EME> raw_;
    mutable unsigned made_ = 0;
};

} // namespace ascep::cms
