#include "io/duration.hpp"

#include <cstdint>
#include <limits>

namespace ascep::io {
namespace {

constexpr std::int64_t unit_seconds(char unit)
{
    switch (unit) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 7 * 86400;
    default: return 0;
    }
}

// Far beyond any certificate's life, and well inside what steady_clock and
// system_clock can add without overflow (std::chrono's are 64-bit ns).
constexpr std::int64_t max_seconds = std::int64_t{290} * 365 * 86400;

} // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text, char bare_unit)
{
    if (text.empty())
        return std::nullopt;
    std::int64_t total = 0;
    std::size_t i = 0;
    bool any_unit = false;
    while (i < text.size()) {
        std::int64_t n = 0;
        const std::size_t digits_at = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (n > max_seconds)
                return std::nullopt;
            n = n * 10 + (text[i] - '0');
            ++i;
        }
        if (i == digits_at)
            return std::nullopt; // a unit without its number, or a stray character
        char unit = 0;
        if (i < text.size()) {
            unit = text[i++];
            any_unit = true;
            if (unit_seconds(unit) == 0)
                return std::nullopt;
        } else {
            if (any_unit || unit_seconds(bare_unit) == 0)
                return std::nullopt; // "1d5" is a typo, not five days more
            unit = bare_unit;
        }
        if (n > max_seconds / unit_seconds(unit))
            return std::nullopt;
        total += n * unit_seconds(unit);
        if (total > max_seconds)
            return std::nullopt;
    }
    return std::chrono::seconds(total);
}

std::string duration_syntax(char bare_unit)
{
    std::string text = "a duration such as 30d, 12h, 90m or 1d12h (units s, m, h, d, w)";
    switch (bare_unit) {
    case 's': return text + "; a bare number is seconds";
    case 'm': return text + "; a bare number is minutes";
    case 'h': return text + "; a bare number is hours";
    case 'd': return text + "; a bare number is days";
    case 'w': return text + "; a bare number is weeks";
    default: return text;
    }
}

std::string describe_duration(std::chrono::seconds d)
{
    auto left = d.count();
    const bool negative = left < 0;
    if (negative)
        left = -left;
    struct part {
        std::int64_t seconds;
        const char* unit;
    };
    static constexpr part parts[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
    std::string out;
    int shown = 0;
    for (const auto& p : parts) {
        const auto n = left / p.seconds;
        if (n == 0 && shown == 0 && p.seconds != 1)
            continue;
        if (n == 0 && shown > 0)
            break; // "2d", not "2d 0h"
        if (!out.empty())
            out += ' ';
        out += std::to_string(n) + p.unit;
        left -= n * p.seconds;
        if (++shown == 2)
            break;
    }
    return negative ? "-" + out : out;
}

} // namespace ascep::io
