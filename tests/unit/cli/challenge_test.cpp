#include "cli/challenge.hpp"

#include "cli_test_util.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace ascep;
using namespace ascep::cli;

namespace {

options with(operation op, std::string file, std::string argv_value)
{
    options o;
    o.op = op;
    o.challenge_file = std::move(file);
    o.challenge = std::move(argv_value);
    return o;
}

std::string value_of(const file_result<std::string>& r)
{
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.has_value());
    return *r;
}

} // namespace

TEST_CASE("resolve_challenge: the file (one trailing newline off), then argv, then ASCEP_CHALLENGE", "[cli]")
{
    ascep::test::temp_dir dir;
    reporter out("fleet", false, true); // JSON mode: warnings still go to stderr, nothing to stdout
    ::setenv("ASCEP_CHALLENGE", "from-env", 1);

    const auto lf = dir.write("lf.txt", "pw one\n").string();
    const auto crlf = dir.write("crlf.txt", "pw two\r\n").string();
    const auto bare = dir.write("bare.txt", "pw three").string();
    const auto two = dir.write("two.txt", "pw\n\n").string();
    CHECK(value_of(resolve_challenge(with(operation::fleet, lf, ""), out)) == "pw one");
    CHECK(value_of(resolve_challenge(with(operation::fleet, crlf, ""), out)) == "pw two");
    CHECK(value_of(resolve_challenge(with(operation::mkrequest, bare, ""), out)) == "pw three");
    // Only one newline is taken: what is left is a second line.
    CHECK(resolve_challenge(with(operation::fleet, two, ""), out).error().outcome == outcome::file_error);

    CHECK(value_of(resolve_challenge(with(operation::fleet, "", "argv"), out)) == "argv");
    CHECK(value_of(resolve_challenge(with(operation::fleet, "", ""), out)) == "from-env");
    ::setenv("ASCEP_CHALLENGE", "", 1);
    CHECK(value_of(resolve_challenge(with(operation::fleet, "", ""), out)).empty());
    ::unsetenv("ASCEP_CHALLENGE");
    CHECK(value_of(resolve_challenge(with(operation::fleet, "", ""), out)).empty());

    const auto both = resolve_challenge(with(operation::fleet, lf, "argv"), out);
    REQUIRE_FALSE(both.has_value());
    CHECK(both.error().outcome == outcome::general_error);

    const auto nul = dir.write("nul.txt", std::string("a\0b", 3)).string();
    const auto empty = dir.write("empty.txt", "").string();
    for (const auto& bad : {nul, empty, dir.file("missing").string(), dir.path().string()}) {
        INFO(bad);
        const auto r = resolve_challenge(with(operation::fleet, bad, ""), out);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().outcome == outcome::file_error);
        CHECK_THAT(r.error().message, Catch::Contains(bad));
    }
    const auto max = dir.write("max.txt", std::string(max_challenge_file_size, 'x')).string();
    const auto over = dir.write("over.txt", std::string(max_challenge_file_size + 1, 'x')).string();
    CHECK(value_of(resolve_challenge(with(operation::fleet, max, ""), out)).size() == max_challenge_file_size);
    CHECK_FALSE(resolve_challenge(with(operation::fleet, over, ""), out).has_value());
}
