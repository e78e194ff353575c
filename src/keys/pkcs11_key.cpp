#include "keys/pkcs11_key.hpp"

#include "cms/error.hpp"

#include <botan/hash.h>
#include <botan/hash_id.h>

namespace ascep::keys {
namespace {

using cms::errc;

/// The token's hash-and-sign mechanism for a digest (PKCS#11 v2.40 §2.1.11).
CK_MECHANISM_TYPE hash_and_sign(asn1::digest_algorithm d)
{
    switch (d) {
    case asn1::digest_algorithm::md5: return CKM_MD5_RSA_PKCS;
    case asn1::digest_algorithm::sha1: return CKM_SHA1_RSA_PKCS;
    case asn1::digest_algorithm::sha224: return CKM_SHA224_RSA_PKCS;
    case asn1::digest_algorithm::sha256: return CKM_SHA256_RSA_PKCS;
    case asn1::digest_algorithm::sha384: return CKM_SHA384_RSA_PKCS;
    case asn1::digest_algorithm::sha512: return CKM_SHA512_RSA_PKCS;
    }
    return CKM_SHA256_RSA_PKCS;
}

/// PKCS#11's hash and MGF1 for Botan's hash name in an OAEP EME string.
std::optional<std::pair<CK_MECHANISM_TYPE, CK_RSA_PKCS_MGF_TYPE>> oaep_hash(const std::string& name)
{
    if (name == "SHA-160" || name == "SHA-1")
        return std::pair{CKM_SHA_1, CKG_MGF1_SHA1};
    if (name == "SHA-224")
        return std::pair{CKM_SHA224, CKG_MGF1_SHA224};
    if (name == "SHA-256")
        return std::pair{CKM_SHA256, CKG_MGF1_SHA256};
    if (name == "SHA-384")
        return std::pair{CKM_SHA384, CKG_MGF1_SHA384};
    if (name == "SHA-512")
        return std::pair{CKM_SHA512, CKG_MGF1_SHA512};
    return std::nullopt;
}

/// "OAEP(SHA-256,MGF1(SHA-1))" -> {SHA-256, SHA-1}; nullopt for anything else.
std::optional<CK_RSA_PKCS_OAEP_PARAMS> oaep_params(const std::string& eme)
{
    const std::string head = "OAEP(";
    const std::string mgf = ",MGF1(";
    if (!eme.starts_with(head) || !eme.ends_with("))"))
        return std::nullopt;
    const auto comma = eme.find(mgf);
    if (comma == std::string::npos)
        return std::nullopt;
    const auto hash = oaep_hash(eme.substr(head.size(), comma - head.size()));
    const auto mgf_hash = oaep_hash(eme.substr(comma + mgf.size(), eme.size() - 2 - comma - mgf.size()));
    if (!hash || !mgf_hash)
        return std::nullopt;
    CK_RSA_PKCS_OAEP_PARAMS p{};
    p.hashAlg = hash->first;
    p.mgf = mgf_hash->second;
    p.source = CKZ_DATA_SPECIFIED;
    p.pSourceData = nullptr;
    p.ulSourceDataLen = 0;
    return p;
}

} // namespace

pkcs11_key::pkcs11_key(std::shared_ptr<token> t, CK_OBJECT_HANDLE handle, bytes id, std::string label,
                       Botan::RSA_PublicKey pub)
    : token_(std::move(t)), handle_(handle), id_(std::move(id)), label_(std::move(label)), public_(std::move(pub))
{
}

boost::system::result<std::vector<std::uint8_t>> pkcs11_key::sign(std::span<const std::uint8_t> message,
                                                                  asn1::digest_algorithm digest) const
{
    CK_MECHANISM mech{CKM_RSA_PKCS, nullptr, 0};
    std::vector<std::uint8_t> input;
    try {
        if (token_->supports(CKM_RSA_PKCS, CKF_SIGN)) {
            // DigestInfo (RFC 8017 §9.2 steps 1-2): Botan's hash and its
            // DER prefix for that hash; the token pads and signs.
            const auto name = asn1::botan_name(digest);
            const auto hash = Botan::HashFunction::create_or_throw(name);
            hash->update(message.data(), message.size());
            const auto h = hash->final();
            input = Botan::pkcs_hash_id(name);
            input.insert(input.end(), h.begin(), h.end());
        } else {
            mech.mechanism = hash_and_sign(digest);
            input.assign(message.begin(), message.end());
        }
    } catch (const std::exception&) {
        return errc::unsupported_algorithm;
    }
    const std::lock_guard lock(token_->mutex());
    auto* fn = token_->functions();
    const auto session = token_->session();
    if (fn->C_SignInit(session, &mech, handle_) != CKR_OK)
        return errc::invalid_key;
    std::vector<std::uint8_t> sig(public_.get_n().bytes());
    CK_ULONG len = sig.size();
    if (fn->C_Sign(session, input.data(), input.size(), sig.data(), &len) != CKR_OK)
        return errc::invalid_key;
    sig.resize(len);
    return sig;
}

boost::system::result<Botan::secure_vector<std::uint8_t>> pkcs11_key::decrypt(std::span<const std::uint8_t> ciphertext,
                                                                              const std::string& eme) const
{
    CK_MECHANISM mech{CKM_RSA_PKCS, nullptr, 0};
    CK_RSA_PKCS_OAEP_PARAMS oaep{};
    if (eme != "EME-PKCS1-v1_5") {
        const auto p = oaep_params(eme);
        if (!p)
            return errc::unsupported_algorithm;
        oaep = *p;
        mech = CK_MECHANISM{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
    }
    const std::lock_guard lock(token_->mutex());
    auto* fn = token_->functions();
    const auto session = token_->session();
    if (fn->C_DecryptInit(session, &mech, handle_) != CKR_OK)
        return errc::decryption_failed;
    Botan::secure_vector<std::uint8_t> plain(public_.get_n().bytes());
    CK_ULONG len = plain.size();
    std::vector<std::uint8_t> in(ciphertext.begin(), ciphertext.end());
    // A bad padding is CKR_ENCRYPTED_DATA_INVALID (or _LEN_RANGE): an error,
    // as for a software key; the plaintext is never guessed.
    if (fn->C_Decrypt(session, in.data(), in.size(), plain.data(), &len) != CKR_OK)
        return errc::decryption_failed;
    plain.resize(len);
    return plain;
}

} // namespace ascep::keys
