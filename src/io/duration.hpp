// Durations as operators type them: `30d`, `12h`, `90m`, `45s`, `1w`, or
// sums such as `1d12h`. Shared by the front ends (`renew --within`, fleet
// `--renew-within` and `--retry-for`, ascep-testca `--validity`) so that
// every option reads the same text the same way.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ascep::io {

/// `text` as a whole number of seconds: one or more NUMBER UNIT pairs with
/// UNIT one of s, m, h, d, w. A bare number (no unit at all) means
/// `bare_unit` (one of those letters), or is refused when `bare_unit` is 0.
/// Empty text, signs, fractions, spaces, unknown units and totals beyond
/// about 290 years give nullopt.
std::optional<std::chrono::seconds> parse_duration(std::string_view text, char bare_unit);

/// The words a usage error shows: "a duration such as 30d, 12h, 90m or 1d12h".
std::string duration_syntax(char bare_unit);

/// For messages: the two largest units, "12d 4h", "3h 5m", "40s".
std::string describe_duration(std::chrono::seconds d);

} // namespace ascep::io
