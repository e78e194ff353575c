// PKCS#10 requests for tests, written by the project's own encoder
// (scep::make_csr), so that every request a fixture makes is DER whatever
// its challenge: Botan's X509::create_cert_req writes challengePassword
// before extensionRequest, out of DER order once the challenge encodes
// longer. tests/interop/python_test feeds what these make to Python's
// strict parser.
#pragma once

#include <botan/pk_keys.h>
#include <botan/pkix_types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ascep::test {

// Every member has an initializer, so a designated initializer may name any
// subset of them without g++'s -Wmissing-field-initializers (an error here).
struct request_spec {
    /// The subject as `ascep mkrequest -subject` reads it: "CN=device-1,O=ascep tests".
    std::string subject = "CN=ascep test device";
    /// challengePassword; none when empty.
    std::string challenge{};
    std::vector<std::string> dns{};
    std::vector<std::string> ip{};
    std::vector<std::string> email{};
};

/// The DER request for `key` (SHA-256, PKCS#1 v1.5). Throws
/// std::invalid_argument when the subject or a name does not encode.
std::vector<std::uint8_t> make_request(const Botan::Private_Key& key, const request_spec& spec);

/// The subject `spec` gives, as a DN (to compare with what a CA issued).
Botan::X509_DN request_subject(const request_spec& spec);

} // namespace ascep::test
