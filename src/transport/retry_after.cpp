#include "transport/retry_after.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace ascep::transport {

namespace {

constexpr std::chrono::seconds longest{86400};

std::string_view trim(std::string_view v)
{
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n)
{
    if (pos + n > s.size())
        return std::nullopt;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_digit(s[pos + i]))
            return std::nullopt;
        v = v * 10 + (s[pos + i] - '0');
    }
    pos += n;
    return v;
}

bool literal(std::string_view s, std::size_t& pos, std::string_view what)
{
    if (s.substr(pos, what.size()) != what)
        return false;
    pos += what.size();
    return true;
}

// "Jan".."Dec" (case-sensitive, as RFC 9110 §5.6.7 spells them) as 1..12.
std::optional<unsigned> month(std::string_view s, std::size_t& pos)
{
    static constexpr std::array<std::string_view, 12> names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned i = 0; i < names.size(); ++i)
        if (literal(s, pos, names[i]))
            return i + 1;
    return std::nullopt;
}

// "HH:MM:SS" as seconds of the day.
std::optional<int> time_of_day(std::string_view s, std::size_t& pos)
{
    const auto h = digits(s, pos, 2);
    if (!h || !literal(s, pos, ":"))
        return std::nullopt;
    const auto m = digits(s, pos, 2);
    if (!m || !literal(s, pos, ":"))
        return std::nullopt;
    const auto sec = digits(s, pos, 2);
    if (!sec || *h > 23 || *m > 59 || *sec > 60) // 60: a leap second
        return std::nullopt;
    return *h * 3600 + *m * 60 + *sec;
}

std::optional<std::chrono::sys_seconds> at(int year, unsigned mon, int day, int secs)
{
    const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(mon),
                                          std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok())
        return std::nullopt;
    return std::chrono::sys_days(ymd) + std::chrono::seconds(secs);
}

// The day name and what follows it: ", " for IMF-fixdate and RFC 850, " " for asctime.
std::size_t skip_day_name(std::string_view s)
{
    std::size_t pos = 0;
    while (pos < s.size() && ((s[pos] >= 'A' && s[pos] <= 'Z') || (s[pos] >= 'a' && s[pos] <= 'z')))
        ++pos;
    return pos;
}

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view s)
{
    const auto name = skip_day_name(s);
    if (name < 3)
        return std::nullopt;
    std::size_t pos = name;
    if (literal(s, pos, ", ")) {
        const auto day = digits(s, pos, 2);
        if (!day)
            return std::nullopt;
        if (name == 3 && literal(s, pos, " ")) { // IMF-fixdate: 06 Nov 1994 08:49:37 GMT
            const auto mon = month(s, pos);
            if (!mon || !literal(s, pos, " "))
                return std::nullopt;
            const auto year = digits(s, pos, 4);
            if (!year || !literal(s, pos, " "))
                return std::nullopt;
            const auto t = time_of_day(s, pos);
            if (!t || !literal(s, pos, " GMT") || pos != s.size())
                return std::nullopt;
            return at(*year, *mon, *day, *t);
        }
        if (name > 3 && literal(s, pos, "-")) { // RFC 850: 06-Nov-94 08:49:37 GMT
            const auto mon = month(s, pos);
            if (!mon || !literal(s, pos, "-"))
                return std::nullopt;
            const auto yy = digits(s, pos, 2);
            if (!yy || !literal(s, pos, " "))
                return std::nullopt;
            const auto t = time_of_day(s, pos);
            if (!t || !literal(s, pos, " GMT") || pos != s.size())
                return std::nullopt;
            // RFC 9110 §5.6.7 reads a two-digit year that would be more than
            // 50 years ahead as the past century; for a date near now that is
            // 20yy below 70 and 19yy from 70 on (until 2020+50).
            const int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
            return at(year, *mon, *day, *t);
        }
        return std::nullopt;
    }
    if (name == 3 && literal(s, pos, " ")) { // asctime: Nov  6 08:49:37 1994
        const auto mon = month(s, pos);
        if (!mon || !literal(s, pos, " "))
            return std::nullopt;
        int day = 0;
        if (literal(s, pos, " ")) {
            const auto d = digits(s, pos, 1);
            if (!d)
                return std::nullopt;
            day = *d;
        } else {
            const auto d = digits(s, pos, 2);
            if (!d)
                return std::nullopt;
            day = *d;
        }
        if (!literal(s, pos, " "))
            return std::nullopt;
        const auto t = time_of_day(s, pos);
        if (!t || !literal(s, pos, " "))
            return std::nullopt;
        const auto year = digits(s, pos, 4);
        if (!year || pos != s.size())
            return std::nullopt;
        return at(*year, *mon, day, *t);
    }
    return std::nullopt;
}

} // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now)
{
    const auto v = trim(value);
    if (v.empty())
        return std::nullopt;
    if (std::all_of(v.begin(), v.end(), is_digit)) {
        // More digits than a day has seconds is still "longer than a day".
        if (v.size() > 6)
            return longest;
        std::int64_t n = 0;
        for (const char c : v)
            n = n * 10 + (c - '0');
        return std::min(std::chrono::seconds(n), longest);
    }
    const auto date = parse_http_date(v);
    if (!date)
        return std::nullopt;
    const auto wait = std::chrono::ceil<std::chrono::seconds>(*date - now);
    return std::clamp(wait, std::chrono::seconds(0), longest);
}

} // namespace ascep::transport
