// Where a token's PIN comes from, in this order: the URI's pin-source
// (RFC 7512: "file:/path" or a path), --pin-file FILE, the ASCEP_PIN
// environment variable, then a PIN from an sscep config file
// ([sscep_engine_pkcs11] PIN, warned about by the command line). It is
// never taken from argv, never printed, and held only in Botan's
// secure_vector (zeroed when freed).
#pragma once

#include <botan/secmem.h>

#include <optional>
#include <string>

namespace ascep::keys {

/// What the command line (or a library caller) says about modules and PINs.
struct token_settings {
    /// --pkcs11-module PATH; a URI's module-path= wins. Empty: the
    /// modules the system configures for p11-kit.
    std::string module;
    /// --pin-file FILE.
    std::string pin_file;
    /// Read ASCEP_PIN when nothing else gives a PIN.
    bool pin_from_environment = true;
    /// A PIN from a config file (sscep's PIN key); empty: none.
    Botan::secure_vector<char> config_pin;
};

/// The PIN for a URI with `pin_source` (may be empty). nullopt and `why`
/// when a named source cannot be read; an empty vector when no source
/// gives one. A trailing newline in a file is not part of the PIN.
std::optional<Botan::secure_vector<char>> find_pin(const std::string& pin_source, const token_settings& settings,
                                                   std::string& why);

} // namespace ascep::keys
