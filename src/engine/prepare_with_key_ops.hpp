// ascep::prepare_enrollment for ascep's own front ends, with the key's RSA
// private operation supplied: one that already signed the CSR (the fleet
// makes it on a worker thread). The self-signed certificate, every pkiMessage
// signature and the reply's decryption then share it (Botan 2.19 makes a new
// RSA blinder, ~2 ms of CPU, for each private operation otherwise). Kept out
// of include/ascep/: the library's callers give their key as
// enroll_request::signing_key (ascep/private_key.hpp), where the interface
// stays opaque; this overload lets a front end pass the ops it already holds.
#pragma once

#include "ascep/enroll.hpp"
#include "cms/private_key_ops.hpp"

namespace ascep::engine {

/// As ascep::prepare_enrollment; `ops` may be null (a new one is made for
/// request.key). When both are set they must hold the same key; request.key
/// may be empty when `ops` is given.
std::optional<enroll_plan> prepare_enrollment(const enroll_request& request,
                                              std::shared_ptr<const cms::private_key_ops> ops,
                                              Botan::RandomNumberGenerator& rng, std::string& why);

} // namespace ascep::engine
