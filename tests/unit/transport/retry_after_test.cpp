#include "transport/retry_after.hpp"

#include <catch2/catch.hpp>

using ascep::transport::parse_retry_after;
using namespace std::chrono;

namespace {

// 1994-11-06 08:49:37 UTC, RFC 9110's example date.
const system_clock::time_point example = sys_days(year(1994) / November / 6) + hours(8) + minutes(49) + seconds(37);

} // namespace

TEST_CASE("Retry-After delay-seconds")
{
    CHECK(parse_retry_after("0", example) == seconds(0));
    CHECK(parse_retry_after("1", example) == seconds(1));
    CHECK(parse_retry_after(" 120\t", example) == seconds(120));
    CHECK(parse_retry_after("86400", example) == seconds(86400));
    // Longer than a day is a day, however many digits.
    CHECK(parse_retry_after("86401", example) == seconds(86400));
    CHECK(parse_retry_after("99999999999999999999999", example) == seconds(86400));
}

TEST_CASE("Retry-After HTTP-date in its three forms, as a wait from now")
{
    const auto before = example - seconds(90);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", before) == seconds(90));
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", before) == seconds(90));
    CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", before) == seconds(90));
    CHECK(parse_retry_after("Wed, 16 Nov 1994 08:49:37 GMT", before) == seconds(86400)); // capped
    // Part of a second ahead rounds up: never resend before the date.
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", example - milliseconds(300)) == seconds(1));
    // A date that has passed: no wait.
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", example + hours(1)) == seconds(0));
    // Two-digit years below 70 are this century.
    const auto y2030 = sys_days(year(2030) / January / 1) + hours(0);
    CHECK(parse_retry_after("Tuesday, 01-Jan-30 00:00:10 GMT", y2030) == seconds(10));
}

TEST_CASE("Retry-After values that are neither form are not understood")
{
    for (const char* v : {"", " ", "-1", "1.5", "1s", "soon", "Sun, 06 Nov 1994 08:49:37",
                          "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                          "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:00:00 GMT", "Sun Nov 6 08:49:37 1994",
                          "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT x"}) {
        INFO('"' << v << '"');
        CHECK_FALSE(parse_retry_after(v, example).has_value());
    }
}
