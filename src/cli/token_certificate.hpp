// --store-cert: the issued certificate stored on the token beside its key
// (a CKO_CERTIFICATE object with the key's CKA_ID and label), where TLS
// stacks that read tokens (p11-kit, OpenSSL's pkcs11 provider, NSS) find
// the pair.
#pragma once

#include "cli/failure.hpp"
#include "cms/private_key_ops.hpp"

#include <botan/x509cert.h>

namespace ascep::cli {

/// Errors (93): `key` is not a token key, or the token refused the object.
file_result<void> store_on_token(const cms::private_key_ops& key, const Botan::X509_Certificate& cert);

} // namespace ascep::cli
