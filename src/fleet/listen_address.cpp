#include "fleet/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace ascep::fleet {

std::optional<listen_address> parse_listen_address(std::string_view text, std::string& why)
{
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        why = "'" + std::string(text) + "' is not ADDRESS:PORT (e.g. 127.0.0.1:9780)";
        return std::nullopt;
    }
    auto host = text.substr(0, colon);
    const auto port_text = text.substr(colon + 1);
    const bool v6 = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (v6)
        host = host.substr(1, host.size() - 2);
    unsigned char buf[16];
    const std::string ip(host);
    if (::inet_pton(v6 ? AF_INET6 : AF_INET, ip.c_str(), buf) != 1) {
        why = "'" + std::string(text) + "': '" + ip + "' is not an IP address" +
              (v6 ? "" : " (IPv6 goes in brackets: [::1]:9780)");
        return std::nullopt;
    }
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        why = "'" + std::string(text) + "': the port must be 0..65535";
        return std::nullopt;
    }
    return listen_address{ip, static_cast<std::uint16_t>(port)};
}

} // namespace ascep::fleet
