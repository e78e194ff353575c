#include "cms/enveloped_data.hpp"
#include "cms/software_key.hpp"

#include "asn1/ber.hpp"
#include "asn1/der_set.hpp"
#include "asn1/oids.hpp"
#include "cms/content_info.hpp"
#include "cms/guard.hpp"
#include "cms/x509_cache.hpp"

#include <botan/cipher_mode.h>
#include <botan/der_enc.h>
#include <botan/pubkey.h>

namespace ascep::cms {
namespace {

using Botan::BER_Object;
using bytes = std::vector<std::uint8_t>;

const char* pkcs1_v15 = "EME-PKCS1-v1_5";

std::string hash_of_algorithm_id(const BER_Object& obj)
{
    const auto d = asn1::digest_from_oid(asn1::to_algorithm_id(obj).oid);
    if (!d)
        asn1::fail("unsupported OAEP hash", asn1::errc::unsupported_algorithm);
    return asn1::botan_name(*d);
}

// RSAES-OAEP-params ::= SEQUENCE { hashAlgorithm [0], maskGenAlgorithm [1],
// pSourceAlgorithm [2] }, each defaulting to SHA-1 / MGF1(SHA-1) / empty label.
std::string oaep_name(const std::optional<BER_Object>& params)
{
    std::string hash = "SHA-160";
    std::string mgf_hash = "SHA-160";
    if (params && asn1::is_sequence(*params)) {
        for (const auto& field : asn1::children(*params)) {
            const auto inner = asn1::children(field);
            if (inner.size() != 1)
                asn1::fail("malformed RSAES-OAEP-params");
            if (asn1::is_context(field, 0)) {
                hash = hash_of_algorithm_id(inner[0]);
            } else if (asn1::is_context(field, 1)) {
                const auto mgf = asn1::to_algorithm_id(inner[0]);
                if (mgf.oid != asn1::oids::mgf1 || !mgf.parameters)
                    asn1::fail("unsupported OAEP mask generation", asn1::errc::unsupported_algorithm);
                mgf_hash = hash_of_algorithm_id(*mgf.parameters);
            } else {
                asn1::fail("OAEP labels are not supported", asn1::errc::unsupported_algorithm);
            }
        }
    }
    return "OAEP(" + hash + ",MGF1(" + mgf_hash + "))";
}

key_trans_recipient read_key_trans(const BER_Object& obj)
{
    auto fields = asn1::children(obj);
    if (fields.size() != 4)
        asn1::fail("KeyTransRecipientInfo has the wrong number of fields");
    key_trans_recipient r;
    asn1::to_small_int(fields[0]);
    r.rid = certificate_id::decode_from(fields[1]);

    const auto alg = asn1::to_algorithm_id(fields[2]);
    if (alg.oid == asn1::oids::rsa_encryption)
        r.key_transport = pkcs1_v15;
    else if (alg.oid == asn1::oids::rsaes_oaep)
        r.key_transport = oaep_name(alg.parameters);
    else
        asn1::fail("unsupported key transport " + alg.oid.to_string(), asn1::errc::unsupported_algorithm);

    if (!asn1::is_universal(fields[3], Botan::OCTET_STRING))
        asn1::fail("encryptedKey is not an OCTET STRING");
    r.encrypted_key = asn1::octets(fields[3]);
    return r;
}

void read_encrypted_content_info(const BER_Object& obj, enveloped_data& env)
{
    if (!asn1::is_sequence(obj))
        asn1::fail("EncryptedContentInfo is not a SEQUENCE");
    auto fields = asn1::children(obj);
    if (fields.size() != 3)
        asn1::fail("EncryptedContentInfo must carry its encrypted content");
    env.content_type = asn1::to_oid(fields[0]);
    const auto alg = asn1::to_algorithm_id(fields[1]);
    const auto cipher = asn1::cipher_from_oid(alg.oid);
    if (!cipher)
        asn1::fail("unsupported content cipher " + alg.oid.to_string(), asn1::errc::unsupported_algorithm);
    env.cipher = *cipher;
    if (!alg.parameters || !asn1::is_universal(*alg.parameters, Botan::OCTET_STRING))
        asn1::fail("cipher parameters are not an IV OCTET STRING");
    env.iv = asn1::octets(*alg.parameters);
    if (env.iv.size() != asn1::block_length(env.cipher))
        asn1::fail("IV length does not match the cipher");
    if (!asn1::is_context(fields[2], 0))
        asn1::fail("encryptedContent is not [0] IMPLICIT");
    env.encrypted_content = asn1::octets(fields[2]);
}

enveloped_data read_enveloped_data(std::span<const std::uint8_t> input)
{
    auto ci = read_content_info(input);
    if (ci.content_type != asn1::oids::enveloped_data)
        throw cms_failure(errc::wrong_content_type);
    if (!ci.content.is_set() || !asn1::is_sequence(ci.content))
        asn1::fail("EnvelopedData is missing or not a SEQUENCE");
    auto fields = asn1::children(ci.content);
    std::size_t i = 0;
    if (fields.size() < 3)
        asn1::fail("EnvelopedData has too few fields");
    enveloped_data env;
    env.version = asn1::to_small_int(fields[i++]);
    if (asn1::is_context(fields[i], 0))
        ++i; // originatorInfo: only for key agreement, which we do not do
    if (i >= fields.size() || !fields[i].is_a(Botan::SET, Botan::CONSTRUCTED))
        asn1::fail("recipientInfos is not a SET");
    for (const auto& ri : asn1::children(fields[i++]))
        if (asn1::is_sequence(ri)) // KeyTransRecipientInfo; other kinds are tagged [1]..[4]
            env.recipients.push_back(read_key_trans(ri));
    if (i >= fields.size())
        asn1::fail("EnvelopedData lacks encryptedContentInfo");
    read_encrypted_content_info(fields[i++], env);
    if (i < fields.size() && asn1::is_context(fields[i], 1))
        ++i; // unprotectedAttrs
    if (i != fields.size())
        asn1::fail("EnvelopedData has unexpected trailing fields");
    return env;
}

std::optional<bytes> decrypt_content(const enveloped_data& env, const Botan::secure_vector<std::uint8_t>& key)
{
    auto mode = Botan::Cipher_Mode::create(asn1::botan_name(env.cipher), Botan::DECRYPTION);
    if (!mode)
        throw cms_failure(errc::unsupported_algorithm);
    if (!mode->valid_keylength(key.size()) || env.encrypted_content.size() % asn1::block_length(env.cipher) != 0 ||
        env.encrypted_content.empty())
        return std::nullopt;
    mode->set_key(key);
    mode->start(env.iv);
    Botan::secure_vector<std::uint8_t> buf(env.encrypted_content.begin(), env.encrypted_content.end());
    try {
        mode->finish(buf);
    } catch (const Botan::Exception&) {
        return std::nullopt; // bad padding: wrong key or corrupted content
    }
    return bytes(buf.begin(), buf.end());
}

// Unwraps the content key; nullopt when this recipient's key does not open it.
// We report padding failures plainly instead of using Botan's
// decrypt_or_random: a random key would decrypt the content to garbage with
// valid padding about once in 256 tries, and a client that reports "wrong
// key" as success is worse than a Bleichenbacher oracle that a SCEP client,
// which answers no one, does not expose.
std::optional<Botan::secure_vector<std::uint8_t>> unwrap_key(const key_trans_recipient& r,
                                                             const private_key_ops& key,
                                                             asn1::cipher_algorithm cipher)
{
    auto content_key = key.decrypt(r.encrypted_key, r.key_transport);
    if (!content_key) {
        if (content_key.error() == errc::unsupported_algorithm)
            throw cms_failure(errc::unsupported_algorithm);
        return std::nullopt;
    }
    // Blowfish keys vary in length; every other cipher has one size.
    if (cipher != asn1::cipher_algorithm::blowfish_cbc && content_key->size() != asn1::key_length(cipher))
        return std::nullopt;
    return std::move(*content_key);
}

bytes decrypt_with(const enveloped_data& env, const private_key_ops& key, const Botan::X509_Certificate& cert)
{
    if (key.public_key().algo_name() != "RSA")
        throw cms_failure(errc::invalid_key);
    if (env.recipients.empty())
        throw cms_failure(errc::no_matching_recipient);

    // Ours first, then the rest: some servers name the recipient oddly.
    std::vector<const key_trans_recipient*> order;
    for (const auto& r : env.recipients)
        if (r.rid.matches(cert))
            order.push_back(&r);
    const bool named = !order.empty();
    for (const auto& r : env.recipients)
        if (!r.rid.matches(cert))
            order.push_back(&r);

    for (const key_trans_recipient* r : order) {
        const auto content_key = unwrap_key(*r, key, env.cipher);
        if (!content_key)
            continue;
        if (auto plain = decrypt_content(env, *content_key))
            return std::move(*plain);
    }
    throw cms_failure(named ? errc::decryption_failed : errc::no_matching_recipient);
}

bytes build(std::span<const std::uint8_t> content, const std::vector<Botan::X509_Certificate>& recipients,
            asn1::cipher_algorithm cipher, Botan::RandomNumberGenerator& rng)
{
    auto mode = Botan::Cipher_Mode::create(asn1::botan_name(cipher), Botan::ENCRYPTION);
    if (!mode)
        throw cms_failure(errc::unsupported_algorithm);
    const auto key = rng.random_vec(asn1::key_length(cipher));
    const auto iv = rng.random_vec(asn1::block_length(cipher));
    mode->set_key(key);
    mode->start(iv);
    Botan::secure_vector<std::uint8_t> ciphertext(content.begin(), content.end());
    mode->finish(ciphertext);

    std::vector<bytes> recipient_infos;
    for (const auto& cert : recipients) {
        const auto pub = public_key_of(cert);
        if (pub->algo_name() != "RSA")
            throw cms_failure(errc::invalid_key);
        Botan::PK_Encryptor_EME encryptor(*pub, rng, pkcs1_v15);
        const auto wrapped = encryptor.encrypt(key, rng);
        bytes ri;
        Botan::DER_Encoder ri_enc(ri);
        ri_enc.start_cons(Botan::SEQUENCE).encode(std::size_t{0});
        issuer_and_serial::of(cert).encode_into(ri_enc);
        ri_enc.start_cons(Botan::SEQUENCE).encode(asn1::oids::rsa_encryption).encode_null().end_cons();
        ri_enc.encode(wrapped, Botan::OCTET_STRING);
        ri_enc.end_cons();
        recipient_infos.push_back(std::move(ri));
    }

    bytes body;
    Botan::DER_Encoder enc(body);
    enc.start_cons(Botan::SEQUENCE).encode(std::size_t{0});
    enc.raw_bytes(asn1::encode_der_set_of(std::move(recipient_infos)));
    enc.start_cons(Botan::SEQUENCE)
        .encode(asn1::oids::data)
        .start_cons(Botan::SEQUENCE)
        .encode(asn1::oid_of(cipher))
        .encode(iv, Botan::OCTET_STRING)
        .end_cons()
        .add_object(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC, ciphertext.data(), ciphertext.size())
        .end_cons();
    enc.end_cons();
    return wrap_content_info(asn1::oids::enveloped_data, body);
}

} // namespace

boost::system::result<enveloped_data> parse_enveloped_data(std::span<const std::uint8_t> content_info_der)
{
    return guarded<enveloped_data>(errc::malformed, [&] { return read_enveloped_data(content_info_der); });
}

boost::system::result<bytes> decrypt(const enveloped_data& env, const private_key_ops& key,
                                     const Botan::X509_Certificate& cert)
{
    return guarded<bytes>(errc::decryption_failed, [&] { return decrypt_with(env, key, cert); });
}

boost::system::result<bytes> decrypt(const enveloped_data& env, const Botan::Private_Key& key,
                                     const Botan::X509_Certificate& cert)
{
    const software_key ops(key);
    return decrypt(env, ops, cert);
}

boost::system::result<bytes> make_enveloped_data(std::span<const std::uint8_t> content,
                                                 const std::vector<Botan::X509_Certificate>& recipients,
                                                 asn1::cipher_algorithm cipher, Botan::RandomNumberGenerator& rng)
{
    return guarded<bytes>(errc::invalid_key, [&] { return build(content, recipients, cipher, rng); });
}

} // namespace ascep::cms
