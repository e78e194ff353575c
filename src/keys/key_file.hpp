// Private key files, read and written in one place for every operation
// (enroll, renew, getcert, getcrl, mkrequest, inspect, the fleet).
//
// Read: PKCS#8 (PEM "PRIVATE KEY" or DER), encrypted PKCS#8 (PEM "ENCRYPTED
// PRIVATE KEY" or DER; PBES2, what `openssl genpkey -aes256` and `openssl
// pkcs8 -topk8 -v2 aes256` write), and PKCS#1 ("RSA PRIVATE KEY", PEM or
// DER). OpenSSL's traditional encrypted PEM (Proc-Type: 4,ENCRYPTED) and
// PKCS#8 under PBES1 get an error that says how to convert them.
//
// Written: PKCS#8 PEM, mode 0600; with a passphrase, encrypted with PBES2:
// AES-256-CBC, PBKDF2-HMAC-SHA256 over pbkdf2_iterations, a fresh salt
// and IV (the scheme openssl writes with -v2 aes256, which it reads back).
//
// The passphrase reaches Botan only as a std::string that is zeroed after
// the call (passphrase::with_string); Botan's PBES2 functions take it by
// reference and copy it nowhere.
#pragma once

#include "io/durable_file.hpp"
#include "keys/error.hpp"
#include "keys/passphrase.hpp"

#include <boost/system/result.hpp>
#include <botan/pk_keys.h>
#include <botan/rng.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>

namespace ascep::keys {

/// PBKDF2-HMAC-SHA256 iterations for the keys ascep encrypts: 100 times
/// openssl's default (2,048). Each write and each read of an encrypted key
/// costs one derivation, ~30 ms of CPU on our VM (SHA-NI), about what
/// Botan takes to generate the RSA-2048 key itself, so a fleet's new keys
/// cost at most twice their generation; 600,000 (OWASP's 2023 figure)
/// would make every resumed fleet device wait ~90 ms for its key.
/// docs/keys.md has the measurement (tools/bench/key_pass).
inline constexpr std::size_t pbkdf2_iterations = 200'000;

/// Largest key file read.
inline constexpr std::size_t max_key_file_size = 1024 * 1024;

using key_result = boost::system::result<std::shared_ptr<Botan::Private_Key>, key_error>;

/// The RSA private key in `path`. `pass` may be null (no --key-pass): an
/// encrypted key is then errc::passphrase_needed; an unencrypted key is
/// read whether or not a passphrase is given, as openssl does.
key_result read_private_key(const std::string& path, const passphrase* pass);

/// The same for a file's content already read; `name` names it in messages.
key_result decode_private_key(std::span<const std::uint8_t> data, const std::string& name, const passphrase* pass);

/// Whether `data` is an encrypted PKCS#8 key (PEM or DER). Never throws.
bool is_encrypted_pkcs8(std::span<const std::uint8_t> data);

/// PEM PKCS#8 of `key`: "ENCRYPTED PRIVATE KEY" under `pass` when it is
/// given, else "PRIVATE KEY". The caller should zero the result when done
/// (write_private_key does).
std::string encode_private_key(const Botan::Private_Key& key, const passphrase* pass,
                               Botan::RandomNumberGenerator& rng);

/// Writes `key` (encode_private_key) to `path` atomically and durably with
/// mode 0600 (io::write_file_atomic). Returns an empty string, or why it
/// failed (errno text with the path); `code` gets the errno.
std::string write_private_key(const std::string& path, const Botan::Private_Key& key, const passphrase* pass,
                              Botan::RandomNumberGenerator& rng, io::directory_sync sync = io::directory_sync::now,
                              std::error_code* code = nullptr);

} // namespace ascep::keys
