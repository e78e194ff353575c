#include "asn1/algorithms.hpp"

#include "asn1/oids.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ascep::asn1 {
namespace {

struct digest_row {
    digest_algorithm id;
    const Botan::OID* oid;
    const Botan::OID* with_rsa;
    const char* botan;
    std::string_view cli;
};

struct cipher_row {
    cipher_algorithm id;
    const Botan::OID* oid;
    const char* botan;
    std::string_view cli;
    std::size_t key_length;
    std::size_t block_length;
};

const std::array<digest_row, 6>& digests()
{
    static const std::array<digest_row, 6> rows{{
        {digest_algorithm::md5, &oids::md5, &oids::md5_with_rsa, "MD5", "md5"},
        {digest_algorithm::sha1, &oids::sha1, &oids::sha1_with_rsa, "SHA-160", "sha1"},
        {digest_algorithm::sha224, &oids::sha224, &oids::sha224_with_rsa, "SHA-224", "sha224"},
        {digest_algorithm::sha256, &oids::sha256, &oids::sha256_with_rsa, "SHA-256", "sha256"},
        {digest_algorithm::sha384, &oids::sha384, &oids::sha384_with_rsa, "SHA-384", "sha384"},
        {digest_algorithm::sha512, &oids::sha512, &oids::sha512_with_rsa, "SHA-512", "sha512"},
    }};
    return rows;
}

const std::array<cipher_row, 6>& ciphers()
{
    static const std::array<cipher_row, 6> rows{{
        {cipher_algorithm::des_cbc, &oids::des_cbc, "DES/CBC/PKCS7", "des", 8, 8},
        {cipher_algorithm::des_ede3_cbc, &oids::des_ede3_cbc, "TripleDES/CBC/PKCS7", "3des", 24, 8},
        {cipher_algorithm::aes128_cbc, &oids::aes128_cbc, "AES-128/CBC/PKCS7", "aes128", 16, 16},
        {cipher_algorithm::aes192_cbc, &oids::aes192_cbc, "AES-192/CBC/PKCS7", "aes192", 24, 16},
        {cipher_algorithm::aes256_cbc, &oids::aes256_cbc, "AES-256/CBC/PKCS7", "aes256", 32, 16},
        {cipher_algorithm::blowfish_cbc, &oids::blowfish_cbc, "Blowfish/CBC/PKCS7", "blowfish", 16, 8},
    }};
    return rows;
}

const digest_row& row(digest_algorithm d)
{
    return digests()[static_cast<std::size_t>(d)];
}

const cipher_row& row(cipher_algorithm c)
{
    return ciphers()[static_cast<std::size_t>(c)];
}

bool iequals(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

} // namespace

const Botan::OID& oid_of(digest_algorithm d) { return *row(d).oid; }
const Botan::OID& oid_of(cipher_algorithm c) { return *row(c).oid; }
std::string botan_name(digest_algorithm d) { return row(d).botan; }
std::string botan_name(cipher_algorithm c) { return row(c).botan; }
std::string_view cli_name(digest_algorithm d) { return row(d).cli; }
std::string_view cli_name(cipher_algorithm c) { return row(c).cli; }
std::size_t key_length(cipher_algorithm c) { return row(c).key_length; }
std::size_t block_length(cipher_algorithm c) { return row(c).block_length; }

std::optional<digest_algorithm> digest_from_oid(const Botan::OID& oid)
{
    for (const auto& r : digests())
        if (*r.oid == oid)
            return r.id;
    return std::nullopt;
}

std::optional<cipher_algorithm> cipher_from_oid(const Botan::OID& oid)
{
    for (const auto& r : ciphers())
        if (*r.oid == oid)
            return r.id;
    return std::nullopt;
}

std::optional<digest_algorithm> digest_of_signature_oid(const Botan::OID& oid)
{
    for (const auto& r : digests())
        if (*r.with_rsa == oid)
            return r.id;
    return std::nullopt;
}

bool is_rsa_signature_oid(const Botan::OID& oid)
{
    return oid == oids::rsa_encryption || digest_of_signature_oid(oid).has_value();
}

std::optional<digest_algorithm> parse_digest_name(std::string_view name)
{
    for (const auto& r : digests())
        if (iequals(name, r.cli))
            return r.id;
    return std::nullopt;
}

std::optional<cipher_algorithm> parse_cipher_name(std::string_view name)
{
    if (iequals(name, "aes"))
        return cipher_algorithm::aes128_cbc;
    for (const auto& r : ciphers())
        if (iequals(name, r.cli))
            return r.id;
    return std::nullopt;
}

} // namespace ascep::asn1
