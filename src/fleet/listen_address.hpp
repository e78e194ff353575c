// --metrics-listen ADDRESS:PORT, parsed: no Asio here, so that the option
// table (cli/, below the engine) can check it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ascep::fleet {

struct listen_address {
    std::string ip; ///< without brackets
    std::uint16_t port = 0;
};

/// "127.0.0.1:9780" or "[::1]:9780": an IP literal (no name is resolved)
/// and a port 0..65535 (0: any free one). nullopt and `why` (one phrase,
/// without the option's name) otherwise. Pure.
std::optional<listen_address> parse_listen_address(std::string_view text, std::string& why);

} // namespace ascep::fleet
