// eme.h (the EME padding interface) is public and exported in Botan 2, but
// marked "internal in the future" (Botan 3 hides it): without this every
// build prints that. It silences Botan's deprecation notes in this file only.
#define BOTAN_NO_DEPRECATED_WARNINGS
#include "cms/private_key_ops.hpp"

#include "cms/guard.hpp"

#include <botan/eme.h>
#include <botan/hash.h>
#include <botan/hash_id.h>
#include <botan/rsa.h>
#include <botan/system_rng.h>

namespace ascep::cms {
namespace {

using bytes = std::vector<std::uint8_t>;

std::size_t modulus_bytes(const Botan::Private_Key& key)
{
    return dynamic_cast<const Botan::RSA_PublicKey&>(key).get_n().bytes();
}

// EMSA-PKCS1-v1_5 (RFC 8017 §9.2): 00 01 FF..FF 00 DigestInfo, k bytes.
Botan::secure_vector<std::uint8_t> emsa_pkcs1_v15(std::span<const std::uint8_t> message, asn1::digest_algorithm d,
                                                  std::size_t k)
{
    const std::string name = asn1::botan_name(d);
    auto hash = Botan::HashFunction::create_or_throw(name);
    hash->update(message.data(), message.size());
    const auto digest = hash->final_stdvec();
    const auto prefix = Botan::pkcs_hash_id(name);
    const std::size_t t_len = prefix.size() + digest.size();
    if (k < t_len + 11) // RFC 8017: "intended encoded message length too short"
        throw cms_failure(errc::invalid_key);
    Botan::secure_vector<std::uint8_t> em(k, 0xFF);
    em[0] = 0x00;
    em[1] = 0x01;
    em[k - t_len - 1] = 0x00;
    std::copy(prefix.begin(), prefix.end(), em.begin() + static_cast<std::ptrdiff_t>(k - t_len));
    std::copy(digest.begin(), digest.end(), em.begin() + static_cast<std::ptrdiff_t>(k - digest.size()));
    return em;
}

} // namespace

private_key_ops::private_key_ops(std::shared_ptr<const Botan::Private_Key> key) : key_(std::move(key)) {}

// Aliasing constructor with no owner: a borrowed key, never deleted here.
private_key_ops::private_key_ops(const Botan::Private_Key& key) : key_(std::shared_ptr<const Botan::Private_Key>(), &key)
{
}

Botan::secure_vector<std::uint8_t> private_key_ops::private_op(std::span<const std::uint8_t> x) const
{
    const std::lock_guard lock(mutex_);
    if (!raw_) {
        raw_ = std::make_unique<Botan::PK_Signer>(*key_, Botan::system_rng(), "Raw");
        ++made_;
    }
    // "Raw" hands the bytes to the RSA operation unchanged; the RNG argument
    // is unused by RSA signing (the blinder has its own).
    const auto out = raw_->sign_message(x.data(), x.size(), Botan::system_rng());
    return Botan::secure_vector<std::uint8_t>(out.begin(), out.end());
}

boost::system::result<bytes> private_key_ops::sign(std::span<const std::uint8_t> message,
                                                   asn1::digest_algorithm digest) const
{
    return guarded<bytes>(errc::invalid_key, [&] {
        if (key_->algo_name() != "RSA")
            throw cms_failure(errc::invalid_key);
        const auto em = emsa_pkcs1_v15(message, digest, modulus_bytes(*key_));
        const auto s = private_op(em);
        return bytes(s.begin(), s.end());
    });
}

boost::system::result<Botan::secure_vector<std::uint8_t>> private_key_ops::decrypt(
    std::span<const std::uint8_t> ciphertext, const std::string& eme) const
{
    using out = Botan::secure_vector<std::uint8_t>;
    return guarded<out>(errc::decryption_failed, [&] {
        if (key_->algo_name() != "RSA")
            throw cms_failure(errc::invalid_key);
        std::unique_ptr<Botan::EME> padding;
        try {
            padding.reset(Botan::get_eme(eme));
        } catch (const Botan::Exception&) {
            throw cms_failure(errc::unsupported_algorithm);
        }
        // As PK_Decryptor_EME does: the private operation's k-byte output,
        // unpadded in constant time; the mask says whether the padding held.
        const auto em = private_op(ciphertext);
        std::uint8_t valid = 0;
        auto plain = padding->unpad(valid, em.data(), em.size());
        if (valid == 0)
            throw cms_failure(errc::decryption_failed);
        return plain;
    });
}

unsigned private_key_ops::operations_made() const
{
    const std::lock_guard lock(mutex_);
    return made_;
}

} // namespace ascep::cms
