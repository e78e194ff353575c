// inspect FILE: turning what users have in a file into DER. A message copied
// from a web server log is bare base64 with percent escapes (a GET request's
// message= parameter); one saved by openssl or by a CA is PEM with any label;
// one written by `enroll -m` or captured from a POST is DER.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ascep::cli {

struct inspect_input {
    enum class encoding { der, pem, base64 };
    encoding format = encoding::der;
    /// The label of each PEM block ("PKCS7", "CERTIFICATE", ...); empty unless PEM.
    std::vector<std::string> pem_labels;
    /// One DER element per PEM block; exactly one for DER and base64.
    std::vector<std::vector<std::uint8_t>> blocks;
};

/// "DER", "PEM" or "base64".
std::string name_of(inspect_input::encoding e);

/// Decides how `data` is encoded and decodes it:
///   - PEM when it holds "-----BEGIN " (text before, between and after the
///     blocks is ignored, as `openssl pkcs12` output has "Bag Attributes");
///   - DER when it starts with a SEQUENCE tag (0x30);
///   - otherwise base64: the value of a "message=" parameter if there is one,
///     percent escapes undone, whitespace dropped, the URL-safe alphabet
///     (- and _) accepted, missing padding added.
/// Only the encoding is checked here, not what the DER holds.
/// Errors: nullopt, with `why` saying what is wrong.
std::optional<inspect_input> decode_inspect_input(std::span<const std::uint8_t> data, std::string& why);

} // namespace ascep::cli
