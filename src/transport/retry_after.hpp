// Retry-After (RFC 9110 §10.2.3): how long a server asks us to wait.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace ascep::transport {

/// The wait a Retry-After value asks for, as seen at `now`: delay-seconds
/// ("120") or an HTTP-date in any of the three forms a recipient must accept
/// (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
/// "Sunday, 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6 08:49:37 1994").
/// A date in the past is a wait of 0. Anything else is nullopt (not
/// understood, so not waited for). Capped at a day; the caller applies its
/// own, smaller limit.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

} // namespace ascep::transport
