// One hexadecimal digit's value: the CLI's serial numbers (-s) and
// percent-escapes (inspect), and the test CA's query strings, all read hex.
#pragma once

namespace ascep::asn1 {

/// 0..15, or -1 when `c` is not a hex digit.
constexpr int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace ascep::asn1
