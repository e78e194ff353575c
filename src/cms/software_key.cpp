#include "cms/software_key.hpp"

#include "cms/guard.hpp"

#include <botan/eme.h>
#include <botan/emsa.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/system_rng.h>

#include <algorithm>

namespace ascep::cms {
namespace {

using bytes = std::vector<std::uint8_t>;

const Botan::BigInt& modulus(const Botan::Private_Key& key)
{
    return dynamic_cast<const Botan::RSA_PublicKey&>(key).get_n();
}

} // namespace

software_key::software_key(std::shared_ptr<const Botan::Private_Key> key) : key_(std::move(key)) {}

// Aliasing constructor with no owner: a borrowed key, never deleted here.
software_key::software_key(const Botan::Private_Key& key)
    : key_(std::shared_ptr<const Botan::Private_Key>(), &key)
{
}

software_key::~software_key() = default;

Botan::secure_vector<std::uint8_t> software_key::private_op(std::span<const std::uint8_t> x) const
{
    const std::size_t k = modulus(*key_).bytes();
    Botan::secure_vector<std::uint8_t> out;
    {
        const std::lock_guard lock(mutex_);
        if (!raw_) {
            // "Raw" hands the block to Botan's RSA decryption operation
            // unchanged: blinding, CRT and the check by the public exponent
            // are Botan's. The blinder keeps its generator for the
            // operation's life, hence system_rng() (see the class comment).
            raw_ = std::make_unique<Botan::PK_Decryptor_EME>(*key_, Botan::system_rng(), "Raw");
            ++made_;
        }
        out = raw_->decrypt(x.data(), x.size());
    }
    // EME "Raw" strips the leading zero bytes; the callers want the k-byte
    // integer (a signature's length, the block EME padding is checked on).
    if (out.size() > k)
        throw Botan::Internal_Error("RSA private operation longer than the modulus");
    out.insert(out.begin(), k - out.size(), 0);
    return out;
}

boost::system::result<bytes> software_key::sign(std::span<const std::uint8_t> message,
                                                   asn1::digest_algorithm digest) const
{
    return guarded<bytes>(errc::invalid_key, [&] {
        if (key_->algo_name() != "RSA")
            throw cms_failure(errc::invalid_key);
        // Botan's EMSA-PKCS1-v1_5 (RFC 8017 §9.2), sized as PK_Signer sizes
        // it for RSA: one bit less than the modulus.
        const std::unique_ptr<Botan::EMSA> emsa(Botan::get_emsa("EMSA3(" + asn1::botan_name(digest) + ")"));
        emsa->update(message.data(), message.size());
        const auto em = emsa->encoding_of(emsa->raw_data(), modulus(*key_).bits() - 1, Botan::system_rng());
        const auto s = private_op(em);
        return bytes(s.begin(), s.end());
    });
}

boost::system::result<Botan::secure_vector<std::uint8_t>> software_key::decrypt(
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
        // unpadded by Botan's EME in constant time; the mask says whether
        // the padding held.
        const auto em = private_op(ciphertext);
        std::uint8_t valid = 0;
        auto plain = padding->unpad(valid, em.data(), em.size());
        if (valid == 0)
            throw cms_failure(errc::decryption_failed);
        return plain;
    });
}

unsigned software_key::operations_made() const
{
    const std::lock_guard lock(mutex_);
    return made_;
}

} // namespace ascep::cms
