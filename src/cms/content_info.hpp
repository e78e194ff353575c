// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
// The outer wrapper of every PKCS#7 message.
#pragma once

#include <botan/asn1_obj.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ascep::cms {

/// Largest PKCS#7 input any cms parser accepts (SCEP messages are a few KiB;
/// a CRL of a big CA may be a few MiB).
inline constexpr std::size_t max_input_size = 16 * 1024 * 1024;

struct content_info {
    Botan::OID content_type;
    /// The element inside [0], absent for a ContentInfo without content.
    Botan::BER_Object content;
};

/// DER of ContentInfo around an already encoded content element.
std::vector<std::uint8_t> wrap_content_info(const Botan::OID& type, std::span<const std::uint8_t> content_der);

/// Reads a ContentInfo that fills `input`. Throws asn1::decode_failure
/// (too_large above max_input_size).
content_info read_content_info(std::span<const std::uint8_t> input);

} // namespace ascep::cms
