// The digest and content-encryption algorithms SCEP uses, and their names in
// OIDs, in Botan, and on the sscep command line (-S, -E).
#pragma once

#include <botan/asn1_obj.h>

#include <optional>
#include <string>
#include <string_view>

namespace ascep::asn1 {

enum class digest_algorithm { md5, sha1, sha224, sha256, sha384, sha512 };

enum class cipher_algorithm { des_cbc, des_ede3_cbc, aes128_cbc, aes192_cbc, aes256_cbc, blowfish_cbc };

const Botan::OID& oid_of(digest_algorithm d);
const Botan::OID& oid_of(cipher_algorithm c);

/// Botan's hash name ("SHA-256"; SHA-1 is "SHA-160").
std::string botan_name(digest_algorithm d);
/// Botan's cipher mode name ("AES-128/CBC/PKCS7").
std::string botan_name(cipher_algorithm c);
/// The name sscep and the CLI use ("sha256", "aes128", "3des").
std::string_view cli_name(digest_algorithm d);
std::string_view cli_name(cipher_algorithm c);

std::size_t key_length(cipher_algorithm c);
std::size_t block_length(cipher_algorithm c);

std::optional<digest_algorithm> digest_from_oid(const Botan::OID& oid);
std::optional<cipher_algorithm> cipher_from_oid(const Botan::OID& oid);

/// The digest implied by a SignerInfo signatureAlgorithm such as
/// sha256WithRSAEncryption; nullopt for plain rsaEncryption.
std::optional<digest_algorithm> digest_of_signature_oid(const Botan::OID& oid);
bool is_rsa_signature_oid(const Botan::OID& oid);

/// Parses the names sscep accepts for -S (md5, sha1, sha224, sha256, sha384,
/// sha512), case-insensitively.
std::optional<digest_algorithm> parse_digest_name(std::string_view name);
/// Parses the names sscep accepts for -E (des, 3des, blowfish, aes = aes128,
/// aes128, aes192, aes256), case-insensitively.
std::optional<cipher_algorithm> parse_cipher_name(std::string_view name);

} // namespace ascep::asn1
