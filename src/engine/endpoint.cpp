#include "engine/endpoint.hpp"

#include <cctype>

namespace ascep::engine {

std::string percent_escape(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0x0f];
        }
    }
    return out;
}

std::string operation_url(const endpoint& ep, std::string_view operation, std::string_view message)
{
    std::string out = ep.url;
    // A CA URL may carry its own query already (some NDES set-ups do).
    out += ep.url.find('?') == std::string::npos ? '?' : '&';
    out += "operation=";
    out += percent_escape(operation);
    if (!message.empty()) {
        out += "&message=";
        out += percent_escape(message);
    }
    for (const auto& [name, value] : ep.extra_params) {
        out += '&';
        out += percent_escape(name);
        out += '=';
        out += percent_escape(value);
    }
    return out;
}

} // namespace ascep::engine
