#include "asn1/hex_digit.hpp"
#include "cli/inspect_input.hpp"

#include <botan/base64.h>
#include <botan/pem.h>

#include <cctype>
#include <string_view>

namespace ascep::cli {
namespace {

constexpr std::string_view pem_begin = "-----BEGIN ";

std::optional<inspect_input> from_pem(std::string_view text, std::string& why)
{
    inspect_input in;
    in.format = inspect_input::encoding::pem;
    for (auto begin = text.find(pem_begin); begin != std::string_view::npos; begin = text.find(pem_begin, begin)) {
        const auto label_end = text.find("-----", begin + pem_begin.size());
        if (label_end == std::string_view::npos)
            break;
        const std::string label(text.substr(begin + pem_begin.size(), label_end - begin - pem_begin.size()));
        const std::string end_marker = "-----END " + label + "-----";
        const auto end = text.find(end_marker, label_end);
        if (end == std::string_view::npos) {
            why = "PEM block '" + label + "' has no END line";
            return std::nullopt;
        }
        try {
            std::string found_label;
            const auto der = Botan::PEM_Code::decode(std::string(text.substr(begin, end + end_marker.size() - begin)),
                                                     found_label);
            in.pem_labels.push_back(found_label);
            in.blocks.emplace_back(der.begin(), der.end());
        } catch (const std::exception& e) {
            why = "PEM block '" + label + "' does not decode (" + e.what() + ")";
            return std::nullopt;
        }
        begin = end + end_marker.size();
    }
    if (in.blocks.empty()) {
        why = "no complete PEM block";
        return std::nullopt;
    }
    return in;
}

std::optional<inspect_input> from_base64(std::string_view text, std::string& why)
{
    // A whole query string or URL pasted from a log: keep message= only.
    if (const auto at = text.find("message="); at != std::string_view::npos) {
        text.remove_prefix(at + 8);
        text = text.substr(0, text.find('&'));
    }
    std::string b64;
    b64.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size() && asn1::hex_value(text[i + 1]) >= 0 && asn1::hex_value(text[i + 2]) >= 0) {
            c = static_cast<char>(asn1::hex_value(text[i + 1]) * 16 + asn1::hex_value(text[i + 2]));
            i += 2;
        }
        if (std::isspace(static_cast<unsigned char>(c)))
            continue;
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        b64.push_back(c);
    }
    if (b64.empty()) {
        why = "the file holds only blanks";
        return std::nullopt;
    }
    while (b64.size() % 4 != 0)
        b64.push_back('=');
    inspect_input in;
    in.format = inspect_input::encoding::base64;
    try {
        const auto der = Botan::base64_decode(b64);
        in.blocks.emplace_back(der.begin(), der.end());
    } catch (const std::exception&) {
        why = "not DER, PEM or base64";
        return std::nullopt;
    }
    if (in.blocks.front().empty() || in.blocks.front().front() != 0x30) {
        why = "not DER, PEM or base64 of an ASN.1 structure";
        return std::nullopt;
    }
    return in;
}

} // namespace

std::string name_of(inspect_input::encoding e)
{
    switch (e) {
    case inspect_input::encoding::der: return "DER";
    case inspect_input::encoding::pem: return "PEM";
    case inspect_input::encoding::base64: return "base64";
    }
    return "unknown";
}

std::optional<inspect_input> decode_inspect_input(std::span<const std::uint8_t> data, std::string& why)
{
    if (data.empty()) {
        why = "the file is empty";
        return std::nullopt;
    }
    if (data.front() == 0x30) {
        inspect_input in;
        in.blocks.emplace_back(data.begin(), data.end());
        return in;
    }
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    if (text.find(pem_begin) != std::string_view::npos)
        return from_pem(text, why);
    return from_base64(text, why);
}

} // namespace ascep::cli
