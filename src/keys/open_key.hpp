// The one way to a token key from a URI: the token (keys/token.hpp), then
// the private key by the URI's object= label or id=.
#pragma once

#include "keys/pkcs11_key.hpp"

#include <memory>
#include <string>

namespace ascep::keys {

/// The private key `uri` names. nullptr and `why` (one line, never the
/// PIN): a malformed URI, no object= or id=, the module, token, PIN or key
/// not found or refused.
std::shared_ptr<const pkcs11_key> open_pkcs11_key(const std::string& uri, const token_settings& settings,
                                                  std::string& why);

} // namespace ascep::keys
