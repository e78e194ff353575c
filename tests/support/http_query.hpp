// Reading a request target's query string in the scripted test servers
// (cli_hostile_reply_test, mutating_ca): simple and lenient, for requests our
// own client sends.
#pragma once

#include <string>

namespace ascep::test {

/// The raw value of `name` in `target`'s query ("/scep?operation=X&message=Y"); empty when absent.
inline std::string query_value(const std::string& target, const std::string& name)
{
    const auto key = name + "=";
    auto pos = target.find('?');
    while (pos != std::string::npos) {
        ++pos;
        if (target.compare(pos, key.size(), key) == 0) {
            const auto end = target.find('&', pos);
            return target.substr(pos + key.size(), end == std::string::npos ? end : end - pos - key.size());
        }
        pos = target.find('&', pos);
    }
    return {};
}

/// %XX decoding ('+' stays '+': base64 needs it).
inline std::string percent_decode(const std::string& s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace ascep::test
