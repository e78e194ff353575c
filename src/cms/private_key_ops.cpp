// eme.h (the EME padding interface) is public and exported in Botan 2, but
// marked "internal in the future" (Botan 3 hides it): without this every
// build prints that. It silences Botan's deprecation notes in this file only.
#define BOTAN_NO_DEPRECATED_WARNINGS
#include "cms/private_key_ops.hpp"

#include "cms/guard.hpp"

#include <botan/blinding.h>
#include <botan/eme.h>
#include <botan/hash.h>
#include <botan/hash_id.h>
#include <botan/numthry.h>
#include <botan/pow_mod.h>
#include <botan/pubkey.h>
#include <botan/reducer.h>
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

/// RSA-CRT with base blinding, exponent blinding and a check by the public
/// operation: what Botan 2.19's RSA private operation does, on the calling
/// thread. Botan's own splits every operation's two halves onto its global
/// thread pool, which it starts (two threads at least, whatever
/// BOTAN_THREAD_POOL_SIZE says) in the first process that signs; a one-shot
/// `ascep enroll` does four operations one after the other and gains nothing
/// from it. Only Botan's public API: Power_Mod on an odd modulus is its
/// Montgomery exponentiation with constant-time window selection (it leaks
/// the exponent's length, which the 64-bit mask with its top bit set keeps
/// fixed), Blinder is the blinding Botan's RSA uses.
class private_key_ops::rsa_crt {
public:
    explicit rsa_crt(const Botan::RSA_PrivateKey& key)
        : key_(key), mod_p_(key.get_p()), pow_p_(key.get_p()), pow_q_(key.get_q()),
          public_op_(key, Botan::system_rng(), "Raw"),
          blinder_(key.get_n(), Botan::system_rng(), [this](const Botan::BigInt& k) { return public_op(k); },
                   [this](const Botan::BigInt& k) { return Botan::inverse_mod(k, key_.get_n()); })
    {
    }

    Botan::secure_vector<std::uint8_t> run(std::span<const std::uint8_t> x) const
    {
        const Botan::BigInt m(x.data(), x.size());
        if (m >= key_.get_n())
            throw Botan::Invalid_Argument("RSA private op - input is too large");
        const Botan::BigInt y = blinder_.unblind(crt(blinder_.blind(m)));
        // A fault in the computation must not leak the key through a wrong
        // signature (Bellcore): check with the public exponent, as Botan does.
        if (public_op(y) != m)
            throw Botan::Internal_Error("RSA consistency check failed");
        return Botan::BigInt::encode_1363(y, key_.get_n().bytes());
    }

private:
    /// x^e mod n through Botan's own public operation, which uses the
    /// Montgomery parameters the key computed when it was loaded.
    Botan::BigInt public_op(const Botan::BigInt& x) const
    {
        const auto in = Botan::BigInt::encode_1363(x, key_.get_n().bytes());
        const auto out = public_op_.encrypt(in, Botan::system_rng());
        return Botan::BigInt(out.data(), out.size());
    }

    Botan::BigInt crt(const Botan::BigInt& m) const
    {
        auto& rng = Botan::system_rng();
        const Botan::BigInt j1 = masked_power(pow_p_, m, key_.get_d1(), key_.get_p(), rng);
        const Botan::BigInt j2 = masked_power(pow_q_, m, key_.get_d2(), key_.get_q(), rng);
        // Garner: h = c (j1 - j2) mod p, result j2 + h q. p is added before
        // subtracting so that whether j1 >= j2 does not show.
        const Botan::BigInt t = mod_p_.reduce(j1 + key_.get_p() - mod_p_.reduce(j2));
        const Botan::BigInt h = mod_p_.multiply(key_.get_c(), t);
        return Botan::mul_add(h, key_.get_q(), j2);
    }

    /// m^(d + r (prime - 1)) mod prime for a fresh 64-bit r (its top bit set,
    /// so the exponent's length does not vary).
    static Botan::BigInt masked_power(const Botan::Power_Mod& pow, const Botan::BigInt& m, const Botan::BigInt& d,
                                      const Botan::BigInt& prime, Botan::RandomNumberGenerator& rng)
    {
        const Botan::BigInt mask(rng, 64);
        pow.set_exponent(d + mask * (prime - 1));
        pow.set_base(m); // after the exponent: the window is chosen by its length
        return pow.execute();
    }

    const Botan::RSA_PrivateKey& key_;
    Botan::Modular_Reducer mod_p_;
    Botan::Power_Mod pow_p_;
    Botan::Power_Mod pow_q_;
    Botan::PK_Encryptor_EME public_op_;
    Botan::Blinder blinder_;
};

private_key_ops::private_key_ops(std::shared_ptr<const Botan::Private_Key> key, rsa_threads where)
    : key_(std::move(key)), where_(where)
{
}

// Aliasing constructor with no owner: a borrowed key, never deleted here.
private_key_ops::private_key_ops(const Botan::Private_Key& key, rsa_threads where)
    : key_(std::shared_ptr<const Botan::Private_Key>(), &key), where_(where)
{
}

private_key_ops::~private_key_ops() = default;

Botan::secure_vector<std::uint8_t> private_key_ops::private_op(std::span<const std::uint8_t> x) const
{
    const std::lock_guard lock(mutex_);
    if (where_ == rsa_threads::botan_pool) {
        if (!botan_raw_) {
            botan_raw_ = std::make_unique<Botan::PK_Signer>(*key_, Botan::system_rng(), "Raw");
            ++made_;
        }
        // "Raw" hands the bytes to the RSA operation unchanged; the RNG
        // argument is unused by RSA signing (the blinder has its own).
        const auto out = botan_raw_->sign_message(x.data(), x.size(), Botan::system_rng());
        return Botan::secure_vector<std::uint8_t>(out.begin(), out.end());
    }
    if (!rsa_) {
        rsa_ = std::make_unique<rsa_crt>(dynamic_cast<const Botan::RSA_PrivateKey&>(*key_));
        ++made_;
    }
    return rsa_->run(x);
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
