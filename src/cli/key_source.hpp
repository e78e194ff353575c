// Where every -k / -K of the command line is opened: a key file (PEM or
// DER, cli/files.hpp) or a key on a PKCS#11 token (a pkcs11: URI, or any
// name with -g pkcs11; src/keys/). Callers get cms::private_key_ops and
// never the private key itself, so a token key is used exactly like a file.
#pragma once

#include "cli/failure.hpp"
#include "cli/options.hpp"
#include "cms/private_key_ops.hpp"
#include "keys/passphrase.hpp"
#include "keys/pin.hpp"

#include <memory>
#include <string>

namespace ascep::cli {

using key_handle = std::shared_ptr<const cms::private_key_ops>;

/// Whether `spec` (a -k or -K value, after finalize) names a token key.
bool is_token_key(const std::string& spec);

/// The module and PIN settings of the command line (--pkcs11-module,
/// --pin-file, ASCEP_PIN, a config file's PIN).
keys::token_settings token_settings_of(const options& opts);

/// Opens -k / -K: a file (encrypted under `pass`, --key-pass, which may be
/// null) or a token key. Errors (exit 93): the file cannot be read or is no
/// usable key, or the passphrase is wrong; the URI is malformed; the module,
/// token, PIN or key is missing or refused. No message ever holds the PIN
/// or the passphrase.
file_result<key_handle> open_key(const options& opts, const std::string& spec, const keys::passphrase* pass);

} // namespace ascep::cli
