// ascep::keys errors: why a key file could not be read or written. Every
// one is a file error for the command line (exit 93).
#pragma once

#include <boost/system/error_code.hpp>

#include <string>

namespace ascep::keys {

enum class errc {
    /// The file is missing, unreadable, not a regular file or too large.
    unreadable = 1,
    /// The file holds no private key ascep reads (bad PEM, bad DER).
    not_a_key,
    /// A private key, but not RSA (SCEP needs RSA).
    not_rsa,
    /// The key is encrypted and no passphrase was given (--key-pass).
    passphrase_needed,
    /// The passphrase does not decrypt the key (or the file is damaged).
    wrong_passphrase,
    /// OpenSSL's traditional encrypted PEM (Proc-Type: 4,ENCRYPTED), or
    /// PKCS#8 with PBES1: convert it to PBES2 PKCS#8 with openssl pkcs8.
    legacy_encryption,
    /// PBES2 with a KDF or cipher Botan does not know.
    unsupported_encryption,
    /// Writing the key failed (errno text in the message).
    write_failed,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// The code, and one line for the user naming the file (never a passphrase).
struct key_error {
    errc code = errc::not_a_key;
    std::string message;
};

} // namespace ascep::keys

template <>
struct boost::system::is_error_code_enum<ascep::keys::errc> : std::true_type {};
