// ascep's library API: the private key an enrollment is for, in memory or
// on a PKCS#11 token (an HSM, a smart card, a TPM 2.0 through tpm2-pkcs11).
// A token key never leaves the token: the library asks it to sign and to
// decrypt, and reads only its public half.
//
//   std::string why;
//   auto key = ascep::open_pkcs11_key("pkcs11:token=gw;object=device", {}, why);
//   request.signing_key = key;   // in place of request.key
#pragma once

#include <botan/pk_keys.h>

#include <memory>
#include <string>

namespace ascep {

namespace cms {
class private_key_ops;
}

/// A private key behind the one interface every signature and decryption
/// goes through. Opaque: made by software_key or open_pkcs11_key, given to
/// enroll_request. Thread-safe. A token key's operations block on the
/// token: run them off an event loop that has other work.
using private_key = std::shared_ptr<const cms::private_key_ops>;

/// A key in memory (RSA).
private_key software_key(std::shared_ptr<const Botan::Private_Key> key);

/// The public half of `key`.
const Botan::Public_Key& public_key_of(const private_key& key);

/// How to reach a token.
struct pkcs11_options {
    /// The PKCS#11 module (a .so path or a name p11-kit knows); a URI's
    /// module-path= wins. Empty: every module p11-kit is configured with.
    std::string module;
    /// A file holding the PIN (a trailing newline is dropped). A URI's
    /// pin-source=file:PATH wins.
    std::string pin_file;
    /// Read the PIN from ASCEP_PIN when neither gives one.
    bool pin_from_environment = true;
};

/// The key an RFC 7512 URI names ("pkcs11:token=gw;object=device").
/// nullptr and `why` (one line, never the PIN): a malformed URI, the
/// module, token, PIN or key not found or refused, a key that is not RSA.
/// The token stays open (logged in) while the key lives.
private_key open_pkcs11_key(const std::string& uri, const pkcs11_options& options, std::string& why);

} // namespace ascep
