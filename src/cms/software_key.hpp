// A private key in memory (Botan), behind cms::private_key_ops, with ONE
// RSA private operation made on first use and kept. Botan 2.19 builds a
// fresh RSA blinder (a constant-time modular inverse, ~1.5 ms at 2048 bits)
// for every PK_Signer and PK_Decryptor, and an enrollment needs four of
// them for the same key: the CSR, the self-signed certificate, the
// pkiMessage signature and the reply's key transport. Here all of them go
// through one Botan RSA private operation (RSASP1 and RSADP are the same
// m^d mod n): Botan's EMSA encodes the signature's input and Botan's EME
// removes the key transport's padding around it. No RSA maths is done here.
#pragma once

#include "cms/private_key_ops.hpp"

#include <botan/pubkey.h>

#include <memory>
#include <mutex>

namespace ascep::cms {

/// Thread-safe: one mutex serialises the operation. The blinder draws from
/// Botan's system_rng(), not from a caller's generator: Botan keeps a
/// reference to that generator for the operation's whole life, and callers'
/// generators are often thread_local.
class software_key final : public private_key_ops {
public:
    /// Shares ownership of `key`.
    explicit software_key(std::shared_ptr<const Botan::Private_Key> key);
    /// Borrows `key`, which must outlive this object.
    explicit software_key(const Botan::Private_Key& key);

    ~software_key() override;

    software_key(const software_key&) = delete;
    software_key& operator=(const software_key&) = delete;

    const Botan::Public_Key& public_key() const noexcept override { return *key_; }
    /// The key itself, for what only a software key can do (write it to a file).
    const Botan::Private_Key& key() const noexcept { return *key_; }
    /// The key as a shared pointer (an empty-owner alias when borrowed).
    const std::shared_ptr<const Botan::Private_Key>& shared_key() const noexcept { return key_; }

    boost::system::result<std::vector<std::uint8_t>> sign(std::span<const std::uint8_t> message,
                                                          asn1::digest_algorithm digest) const override;
    boost::system::result<Botan::secure_vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> ciphertext,
                                                                      const std::string& eme) const override;

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
