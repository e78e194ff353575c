// A certificate file's serial number as hex, in the two spellings the tests
// compare against: Botan's bytes as the certificate holds them, and
// ascep-testca's (its log, `list` and issued/SERIAL.crt), which drops
// leading zero bytes.
#pragma once

#include <botan/bigint.h>
#include <botan/hex.h>
#include <botan/x509cert.h>

#include <filesystem>
#include <string>

namespace ascep::test {

/// The serial's DER content bytes, upper-case hex.
inline std::string serial_of(const std::filesystem::path& cert)
{
    return Botan::hex_encode(Botan::X509_Certificate(cert.string()).serial_number());
}

/// The serial as ascep-testca writes it: no leading zero byte.
inline std::string testca_serial_of(const std::filesystem::path& cert)
{
    return Botan::hex_encode(
        Botan::BigInt::encode(Botan::BigInt(Botan::X509_Certificate(cert.string()).serial_number())));
}

} // namespace ascep::test
