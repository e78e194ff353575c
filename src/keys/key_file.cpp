#include "keys/key_file.hpp"

#include "asn1/ber.hpp"
#include "asn1/oids.hpp"

#include <botan/data_src.h>
#include <botan/mem_ops.h>
// pbes2.h is marked "will be made internal" in 2.19 (quiet here: Botan's
// headers are system headers). It is the only public way to decrypt PBES2
// with a passphrase we zero ourselves (PKCS8::load_key copies it into a
// lambda and leaves the copy).
#include <botan/pbes2.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>

#include <string_view>
#include <vector>

namespace ascep::keys {
namespace {

const Botan::OID pbes2_oid{1, 2, 840, 113549, 1, 5, 13};
/// PKCS#5 v1.5 PBES1 (pbeWithMD5AndDES-CBC, ...) and PKCS#12's PBE
/// (pbeWithSHAAnd3-KeyTripleDES-CBC, ...), what older openssl wrote.
const Botan::OID pkcs5_pbe_arc{1, 2, 840, 113549, 1, 5};
const Botan::OID pkcs12_pbe_arc{1, 2, 840, 113549, 1, 12, 1};

std::string convert_hint(const std::string& name)
{
    return "convert it once with: openssl pkcs8 -topk8 -v2 aes256 -in " + name + " -out NEW.key (it asks for the "
           "old passphrase and a new one), then use NEW.key";
}

key_error error(errc code, std::string message)
{
    return {code, std::move(message)};
}

bool starts_with_arc(const Botan::OID& oid, const Botan::OID& arc)
{
    const auto& a = arc.get_components();
    const auto& o = oid.get_components();
    return o.size() > a.size() && std::equal(a.begin(), a.end(), o.begin());
}

key_result checked_rsa(std::unique_ptr<Botan::Private_Key> key, const std::string& name)
{
    if (key->algo_name() != "RSA")
        return error(errc::not_rsa, name + ": SCEP needs an RSA key, this is " + key->algo_name());
    return std::shared_ptr<Botan::Private_Key>(std::move(key));
}

key_result from_pkcs8(std::span<const std::uint8_t> der, const std::string& name)
{
    Botan::DataSource_Memory src(der.data(), der.size());
    return checked_rsa(Botan::PKCS8::load_key(src), name);
}

/// PKCS#1 RSAPrivateKey, what `openssl genrsa -traditional` and older
/// OpenSSL write.
key_result from_pkcs1(std::span<const std::uint8_t> der)
{
    const Botan::AlgorithmIdentifier alg(asn1::oids::rsa_encryption, Botan::AlgorithmIdentifier::USE_NULL_PARAM);
    const Botan::secure_vector<std::uint8_t> bits(der.begin(), der.end());
    return std::shared_ptr<Botan::Private_Key>(std::make_shared<Botan::RSA_PrivateKey>(alg, bits));
}

/// EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }
key_result from_encrypted_pkcs8(std::span<const std::uint8_t> der, const std::string& name, const passphrase* pass)
{
    const auto outer = asn1::read_single(der);
    const auto parts = asn1::children(outer);
    if (parts.size() != 2)
        asn1::fail("EncryptedPrivateKeyInfo: two fields expected");
    const auto alg = asn1::decode_as<Botan::AlgorithmIdentifier>(parts[0]);
    const auto sealed = asn1::octets(parts[1]);
    if (starts_with_arc(alg.get_oid(), pkcs5_pbe_arc) && alg.get_oid() != pbes2_oid)
        return error(errc::legacy_encryption,
                     name + " is encrypted with PKCS#5 v1.5 (PBES1, " + alg.get_oid().to_string() +
                         "), which ascep does not read; " + convert_hint(name));
    if (starts_with_arc(alg.get_oid(), pkcs12_pbe_arc))
        return error(errc::legacy_encryption, name + " is encrypted with a PKCS#12 PBE (" +
                                                  alg.get_oid().to_string() + "), which ascep does not read; " +
                                                  convert_hint(name));
    if (alg.get_oid() != pbes2_oid)
        return error(errc::unsupported_encryption,
                     name + " is encrypted with an unknown scheme (" + alg.get_oid().to_string() + "); " +
                         convert_hint(name));
    if (pass == nullptr)
        return error(errc::passphrase_needed,
                     name + " is encrypted: give its passphrase with --key-pass file:PATH, env:VAR or fd:N");

    const Botan::secure_vector<std::uint8_t> ciphertext(sealed.begin(), sealed.end());
    Botan::secure_vector<std::uint8_t> plain;
    try {
        plain = pass->with_string([&](const std::string& s) {
            return Botan::pbes2_decrypt(ciphertext, s, alg.get_parameters());
        });
    } catch (const Botan::Decoding_Error& e) {
        // A wrong passphrase shows as bad CBC padding; Botan's other
        // decoding errors here name a KDF, cipher or parameter it does not take.
        if (std::string_view(e.what()).find("padding") != std::string_view::npos)
            return error(errc::wrong_passphrase, "cannot decrypt " + name + ": wrong passphrase (--key-pass)");
        return error(errc::unsupported_encryption,
                     name + ": cannot decrypt (" + e.what() + "); " + convert_hint(name));
    } catch (const std::exception& e) {
        return error(errc::unsupported_encryption,
                     name + ": cannot decrypt (" + e.what() + "); " + convert_hint(name));
    }
    try {
        return from_pkcs8(plain, name);
    } catch (const std::exception&) {
        // A wrong key gives valid padding now and then (about 1 in 256); what
        // comes out is then no key.
        return error(errc::wrong_passphrase, "cannot decrypt " + name + ": wrong passphrase (--key-pass)");
    }
}

enum class der_kind { pkcs8, encrypted_pkcs8, pkcs1, unknown };

/// What a DER key is, from the shape of its outer SEQUENCE: PrivateKeyInfo
/// starts with INTEGER, SEQUENCE; RSAPrivateKey with INTEGER, INTEGER;
/// EncryptedPrivateKeyInfo with SEQUENCE, OCTET STRING.
der_kind classify_der(std::span<const std::uint8_t> der)
{
    try {
        const auto outer = asn1::read_single(der);
        if (!asn1::is_sequence(outer))
            return der_kind::unknown;
        const auto parts = asn1::children(outer);
        if (parts.size() < 2)
            return der_kind::unknown;
        if (asn1::is_sequence(parts[0]) && asn1::is_universal(parts[1], Botan::OCTET_STRING))
            return der_kind::encrypted_pkcs8;
        if (!asn1::is_universal(parts[0], Botan::INTEGER))
            return der_kind::unknown;
        if (asn1::is_sequence(parts[1]))
            return der_kind::pkcs8;
        if (asn1::is_universal(parts[1], Botan::INTEGER))
            return der_kind::pkcs1;
    } catch (const std::exception&) {
    }
    return der_kind::unknown;
}

bool looks_like_pem(std::span<const std::uint8_t> data)
{
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    return text.find("-----BEGIN ") != std::string_view::npos;
}

/// The first PEM block that holds a private key, and its label; a file may
/// carry a certificate before its key.
bool find_pem_key(std::span<const std::uint8_t> data, std::string& label, Botan::secure_vector<std::uint8_t>& der)
{
    Botan::DataSource_Memory src(data.data(), data.size());
    while (true) {
        try {
            der = Botan::PEM_Code::decode(src, label);
        } catch (const std::exception&) {
            return false; // no further block
        }
        if (label == "PRIVATE KEY" || label == "ENCRYPTED PRIVATE KEY" || label == "RSA PRIVATE KEY")
            return true;
    }
}

} // namespace

bool is_encrypted_pkcs8(std::span<const std::uint8_t> data)
{
    if (looks_like_pem(data)) {
        std::string label;
        Botan::secure_vector<std::uint8_t> der;
        return find_pem_key(data, label, der) && label == "ENCRYPTED PRIVATE KEY";
    }
    return classify_der(data) == der_kind::encrypted_pkcs8;
}

key_result decode_private_key(std::span<const std::uint8_t> data, const std::string& name, const passphrase* pass)
{
    try {
        if (looks_like_pem(data)) {
            const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
            if (text.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos)
                return error(errc::legacy_encryption,
                             name + " is in OpenSSL's legacy encrypted PEM format (Proc-Type: 4,ENCRYPTED), "
                                    "which ascep does not read; " + convert_hint(name));
            std::string label;
            Botan::secure_vector<std::uint8_t> der;
            if (!find_pem_key(data, label, der))
                return error(errc::not_a_key, name + ": no private key in the file (no PRIVATE KEY, ENCRYPTED "
                                                     "PRIVATE KEY or RSA PRIVATE KEY block)");
            if (label == "ENCRYPTED PRIVATE KEY")
                return from_encrypted_pkcs8(der, name, pass);
            if (label == "RSA PRIVATE KEY")
                return from_pkcs1(der);
            return from_pkcs8(der, name);
        }
        switch (classify_der(data)) {
        case der_kind::encrypted_pkcs8: return from_encrypted_pkcs8(data, name, pass);
        case der_kind::pkcs8: return from_pkcs8(data, name);
        case der_kind::pkcs1: return from_pkcs1(data);
        case der_kind::unknown: break;
        }
        return error(errc::not_a_key, name + ": not a private key (neither PEM nor a DER PKCS#8 or PKCS#1 key)");
    } catch (const std::exception& e) {
        return error(errc::not_a_key, name + ": not a usable private key (" + e.what() + ")");
    }
}

key_result read_private_key(const std::string& path, const passphrase* pass)
{
    std::vector<std::uint8_t> data;
    if (auto why = io::read_file(path, data, max_key_file_size); !why.empty())
        return error(errc::unreadable, why);
    auto result = decode_private_key(data, path, pass);
    Botan::secure_scrub_memory(data.data(), data.size());
    return result;
}

std::string encode_private_key(const Botan::Private_Key& key, const passphrase* pass,
                               Botan::RandomNumberGenerator& rng)
{
    if (pass == nullptr)
        return Botan::PKCS8::PEM_encode(key);
    return pass->with_string([&](const std::string& s) {
        return Botan::PKCS8::PEM_encode_encrypted_pbkdf_iter(key, rng, s, pbkdf2_iterations, "AES-256/CBC",
                                                             "SHA-256");
    });
}

std::string write_private_key(const std::string& path, const Botan::Private_Key& key, const passphrase* pass,
                              Botan::RandomNumberGenerator& rng, io::directory_sync sync, std::error_code* code)
{
    std::string pem = encode_private_key(key, pass, rng);
    auto why = io::write_file_atomic(path, pem, 0600, sync, code);
    Botan::secure_scrub_memory(pem.data(), pem.size());
    return why;
}

} // namespace ascep::keys
