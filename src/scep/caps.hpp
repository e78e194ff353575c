// GetCACaps (RFC 8894 §3.5): the CA's keywords, and the algorithms and HTTP
// method a client picks from them.
#pragma once

#include "asn1/algorithms.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::scep {

struct ca_caps {
    /// Keywords as the CA sent them, one per line, trimmed; unknown ones kept.
    std::vector<std::string> keywords;

    /// Case-insensitive, as RFC 8894 asks of clients.
    bool has(std::string_view keyword) const;
    bool scep_standard() const { return has("SCEPStandard"); }
    bool post() const { return has("POSTPKIOperation") || scep_standard(); }
    bool renewal() const { return has("Renewal"); }
    bool get_next_ca() const { return has("GetNextCACert"); }
};

/// Reads a GetCACaps body: CR LF or LF separated; blank lines ignored. An
/// empty body (or an HTTP error, which the caller turns into an empty body)
/// means the CA advertises nothing.
ca_caps parse_caps(std::string_view body);

struct algorithm_overrides {
    std::optional<asn1::cipher_algorithm> cipher; // -E
    std::optional<asn1::digest_algorithm> digest; // -S
};

struct algorithm_choice {
    asn1::cipher_algorithm cipher = asn1::cipher_algorithm::aes128_cbc;
    asn1::digest_algorithm digest = asn1::digest_algorithm::sha256;
    bool use_post = false;
    /// One line each, for the user: a fall-back to DES or MD5 is never silent.
    std::vector<std::string> warnings;
};

/// AES-128 over 3DES over DES, SHA-256 over SHA-512 over SHA-1 over MD5
/// (RFC 8894 §3.5.2); SCEPStandard implies AES, SHA-256 and POST. What the
/// user forces with -E/-S wins.
algorithm_choice choose_algorithms(const ca_caps& caps, const algorithm_overrides& overrides);

} // namespace ascep::scep
