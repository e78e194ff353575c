// A private key on a PKCS#11 token behind cms::private_key_ops. The key
// never leaves the token: signatures and decryptions are the token's
// (C_Sign, C_Decrypt), and only the public half (CKA_MODULUS,
// CKA_PUBLIC_EXPONENT) is read. Its attributes are never changed but for
// its label (renewal) by keys::token.
//
// Signing: CKM_RSA_PKCS over the DigestInfo (Botan hashes and supplies
// the PKCS#1 hash identifier), or, on a token without raw CKM_RSA_PKCS
// signing, its hash-and-sign mechanism for the digest (CKM_SHA256_RSA_PKCS
// ...). Decryption: CKM_RSA_PKCS for PKCS#1 v1.5 key transport, and
// CKM_RSA_PKCS_OAEP (hash and MGF1 hash the same, no label) for OAEP.
#pragma once

#include "cms/private_key_ops.hpp"
#include "keys/token.hpp"

#include <botan/rsa.h>

namespace ascep::keys {

class pkcs11_key final : public cms::private_key_ops {
public:
    pkcs11_key(std::shared_ptr<token> t, CK_OBJECT_HANDLE handle, bytes id, std::string label,
               Botan::RSA_PublicKey pub);

    const Botan::Public_Key& public_key() const noexcept override { return public_; }
    boost::system::result<std::vector<std::uint8_t>> sign(std::span<const std::uint8_t> message,
                                                          asn1::digest_algorithm digest) const override;
    boost::system::result<Botan::secure_vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> ciphertext,
                                                                      const std::string& eme) const override;
    bool blocking() const noexcept override { return true; }

    /// CKA_ID and CKA_LABEL as found (or given at generation).
    const bytes& id() const noexcept { return id_; }
    const std::string& label() const noexcept { return label_; }
    token& owner() const noexcept { return *token_; }

private:
    std::shared_ptr<token> token_;
    CK_OBJECT_HANDLE handle_;
    bytes id_;
    std::string label_;
    Botan::RSA_PublicKey public_;
};

} // namespace ascep::keys
