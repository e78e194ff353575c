// Serial numbers from -s / GetCertSerial: decimal, or hex with ':' or 0x.
#include "asn1/hex_digit.hpp"
#include "cli/options.hpp"

#include <algorithm>
#include <utility>

namespace ascep::cli {
namespace {

void strip_leading_zeros(std::vector<std::uint8_t>& v)
{
    auto first = std::find_if(v.begin(), v.end(), [](std::uint8_t b) { return b != 0; });
    v.erase(v.begin(), first);
    if (v.empty())
        v.push_back(0);
}

result<serial_number> hex_serial(std::string_view text, std::string_view digits)
{
    if (digits.empty())
        return usage_error("serial number '" + std::string(text) + "' has no digits");
    std::vector<std::uint8_t> bytes;
    bytes.reserve(digits.size() / 2 + 1);
    std::size_t i = digits.size() % 2; // an odd count gets a leading 0 nibble
    if (i == 1)
        bytes.push_back(static_cast<std::uint8_t>(asn1::hex_value(digits[0])));
    for (; i < digits.size(); i += 2)
        bytes.push_back(static_cast<std::uint8_t>(asn1::hex_value(digits[i]) * 16 + asn1::hex_value(digits[i + 1])));
    strip_leading_zeros(bytes);
    return serial_number{std::move(bytes)};
}

} // namespace

std::string serial_number::to_hex() const
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0)
            s += ':';
        s += digits[bytes[i] >> 4];
        s += digits[bytes[i] & 0x0f];
    }
    return s;
}

std::string serial_number::to_decimal() const
{
    // Long division by 10 of the big-endian magnitude, collecting remainders.
    std::vector<std::uint8_t> n = bytes;
    std::string out;
    while (std::any_of(n.begin(), n.end(), [](std::uint8_t b) { return b != 0; })) {
        unsigned rem = 0;
        for (auto& b : n) {
            const unsigned cur = rem * 256 + b;
            b = static_cast<std::uint8_t>(cur / 10);
            rem = cur % 10;
        }
        out += static_cast<char>('0' + rem);
    }
    if (out.empty())
        out = "0";
    std::reverse(out.begin(), out.end());
    return out;
}

result<serial_number> parse_serial(std::string_view text)
{
    const std::string shown = "'" + std::string(text) + "'";
    if (text.empty())
        return usage_error("empty serial number");

    result<serial_number> r = usage_error("");
    if (text.find(':') != std::string_view::npos) {
        // "01:a2:ff": each group is one byte of one or two hex digits.
        std::string digits;
        std::size_t start = 0;
        while (true) {
            const auto colon = text.find(':', start);
            const auto group = text.substr(start, colon == std::string_view::npos ? colon : colon - start);
            if (group.empty() || group.size() > 2
                || !std::all_of(group.begin(), group.end(), [](char c) { return asn1::hex_value(c) >= 0; }))
                return usage_error("serial number " + shown + " is not hex bytes separated by ':'");
            digits += group.size() == 1 ? "0" + std::string(group) : std::string(group);
            if (colon == std::string_view::npos)
                break;
            start = colon + 1;
        }
        r = hex_serial(text, digits);
    } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        const auto digits = text.substr(2);
        if (!std::all_of(digits.begin(), digits.end(), [](char c) { return asn1::hex_value(c) >= 0; }))
            return usage_error("serial number " + shown + " is not a hex number");
        r = hex_serial(text, digits);
    } else if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // Decimal: multiply-add into a big-endian byte vector.
        std::vector<std::uint8_t> bytes{0};
        for (char c : text) {
            unsigned carry = static_cast<unsigned>(c - '0');
            for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
                const unsigned cur = *it * 10u + carry;
                *it = static_cast<std::uint8_t>(cur & 0xff);
                carry = cur >> 8;
            }
            if (carry != 0)
                bytes.insert(bytes.begin(), static_cast<std::uint8_t>(carry));
            if (bytes.size() > max_serial_bytes + 1)
                break; // too long already; reported below
        }
        strip_leading_zeros(bytes);
        r = serial_number{std::move(bytes)};
    } else if (std::all_of(text.begin(), text.end(), [](char c) { return asn1::hex_value(c) >= 0; })) {
        // Hex digits without ':' and with a letter: sscep reads these as hex too.
        r = hex_serial(text, text);
    } else {
        return usage_error("serial number " + shown + " is neither decimal nor hex bytes separated by ':'");
    }
    if (r && r->bytes.size() > max_serial_bytes)
        return usage_error("serial number " + shown + " is longer than " + std::to_string(max_serial_bytes)
                           + " bytes");
    return r;
}

} // namespace ascep::cli
