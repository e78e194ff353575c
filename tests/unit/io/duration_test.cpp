#include "io/duration.hpp"

#include <catch2/catch.hpp>

using ascep::io::describe_duration;
using ascep::io::parse_duration;
using std::chrono::seconds;

TEST_CASE("durations with units", "[io][duration]")
{
    CHECK(parse_duration("30d", 0) == seconds(30 * 86400));
    CHECK(parse_duration("12h", 0) == seconds(12 * 3600));
    CHECK(parse_duration("90m", 0) == seconds(90 * 60));
    CHECK(parse_duration("45s", 0) == seconds(45));
    CHECK(parse_duration("2w", 0) == seconds(14 * 86400));
    CHECK(parse_duration("1d12h", 0) == seconds(36 * 3600));
    CHECK(parse_duration("0s", 0) == seconds(0));
}

TEST_CASE("a bare number takes the option's unit, or is refused", "[io][duration]")
{
    CHECK(parse_duration("365", 'd') == seconds(365 * 86400));
    CHECK(parse_duration("30", 's') == seconds(30));
    CHECK_FALSE(parse_duration("30", 0));
    CHECK_FALSE(parse_duration("1d5", 'd')); // a typo, not 1d plus 5 days
}

TEST_CASE("malformed durations are refused", "[io][duration]")
{
    for (const char* bad : {"", "d", "-1d", "+1d", "1.5d", "1 d", " 1d", "1d ", "1y", "1D", "d1", "1dd",
                            "99999999999999999999s", "300000000d", "1d\n"})
        CHECK_FALSE(parse_duration(bad, 'd'));
}

TEST_CASE("durations in messages", "[io][duration]")
{
    CHECK(describe_duration(seconds(12 * 86400 + 4 * 3600 + 5)) == "12d 4h");
    CHECK(describe_duration(seconds(3 * 3600 + 5 * 60)) == "3h 5m");
    CHECK(describe_duration(seconds(2 * 86400)) == "2d");
    CHECK(describe_duration(seconds(40)) == "40s");
    CHECK(describe_duration(seconds(0)) == "0s");
    CHECK(describe_duration(seconds(-90)) == "-1m 30s");
}
