// --key-pass: the passphrase of the key files an operation reads and of
// the keys it writes (keys/passphrase.hpp has the forms: file:PATH,
// env:VAR, fd:N; pass:TEXT is refused when the option is parsed).
#pragma once

#include "cli/failure.hpp"
#include "cli/options.hpp"
#include "keys/passphrase.hpp"

#include <memory>

namespace ascep::cli {

using key_passphrase = std::shared_ptr<const keys::passphrase>;

/// The passphrase --key-pass names, read once (fd:N can be read only
/// once); null when the option is not given. Every operation that reads or
/// writes a key calls this once, before it writes anything.
/// Errors (exit 93): the file, variable or descriptor cannot be read, or
/// holds an empty or overlong passphrase; messages never hold its content.
file_result<key_passphrase> resolve_key_pass(const options& opts);

} // namespace ascep::cli
