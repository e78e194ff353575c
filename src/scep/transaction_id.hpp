// SCEP transactionID as sscep makes it, so that `-R` resumes an enrollment
// started by either tool.
#pragma once

#include <botan/pk_keys.h>

#include <string>

namespace ascep::scep {

/// Upper-case hex MD5 of the DER SubjectPublicKeyInfo of `key`.
std::string transaction_id_for(const Botan::Public_Key& key);

} // namespace ascep::scep
