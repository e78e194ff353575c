// Small readers the end-to-end tests share: a whole file as text, how often
// a string occurs in a program's output or a server's log, and the pieces of
// a line pulled out by hand (std::regex is not used: g++ 12 warns
// -Wmaybe-uninitialized inside <regex>, and warnings are errors).
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace ascep::test {

/// The whole file; empty when it cannot be read.
inline std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Non-overlapping occurrences of `what` in `text`.
inline std::size_t count_of(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
        ++n;
    return n;
}

/// What follows `marker` in `text` (its first occurrence) up to the first
/// character of `stops` or the end; nullopt without the marker.
inline std::optional<std::string> text_after(const std::string& text, const std::string& marker,
                                             const std::string& stops = " ,\"\n")
{
    const auto at = text.find(marker);
    if (at == std::string::npos)
        return std::nullopt;
    const auto from = at + marker.size();
    return text.substr(from, text.find_first_of(stops, from) - from);
}

/// The first run of at least `length` upper-case hex digits in `text`, cut
/// to `length`; empty when there is none.
inline std::string first_hex_run(const std::string& text, std::size_t length)
{
    constexpr const char* hex = "0123456789ABCDEF";
    for (auto at = text.find_first_of(hex); at != std::string::npos; at = text.find_first_of(hex, at)) {
        const auto end = std::min(text.find_first_not_of(hex, at), text.size());
        if (end - at >= length)
            return text.substr(at, length);
        at = end;
    }
    return {};
}

} // namespace ascep::test
