// The operations that need no CA: making a key and request, and reading
// SCEP messages offline.
#pragma once

#include "cli/options.hpp"
#include "cli/reporter.hpp"

namespace ascep::cli {

/// mkrequest: an RSA key (mode 0600) and a PKCS#10 request, as sscep's
/// mkrequest script made them.
int run_mkrequest(const options& opts, reporter& out);

/// inspect FILE: decodes a pkiMessage, a GetCACert response or any PKCS#7.
int run_inspect(const options& opts, reporter& out);

/// fleet status --out DIR: where a fleet stands, from its journal and files.
int run_fleet_status(const options& opts, reporter& out);

} // namespace ascep::cli
