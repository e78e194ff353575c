#include "keys/passphrase.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <unistd.h>

using namespace ascep;

namespace {

std::string text_of(const keys::passphrase& p)
{
    return p.with_string([](const std::string& s) { return s; });
}

keys::passphrase_source source(const std::string& text)
{
    std::string why;
    auto s = keys::parse_passphrase_source(text, why);
    INFO(why);
    REQUIRE(s.has_value());
    return *s;
}

std::string refusal(const std::string& text)
{
    std::string why;
    CHECK_FALSE(keys::parse_passphrase_source(text, why).has_value());
    return why;
}

} // namespace

TEST_CASE("--key-pass forms: file:, env:, fd: parse; pass: and others are refused", "[keys]")
{
    CHECK(source("file:/etc/pw").type == keys::passphrase_source::kind::file);
    CHECK(source("file:/etc/pw").name == "/etc/pw");
    CHECK(source("env:KEY_PW").type == keys::passphrase_source::kind::env);
    CHECK(source("fd:3").fd == 3);

    const auto why = refusal("pass:hunter2");
    CHECK(why.find("command line") != std::string::npos);
    CHECK(why.find("hunter2") == std::string::npos);
    CHECK(refusal("hunter2").find("file:PATH, env:VAR or fd:N") != std::string::npos);
    CHECK(refusal("file:") == "file: needs a path (file:PATH)");
    CHECK_FALSE(refusal("env:").empty());
    CHECK_FALSE(refusal("env:A B").empty());
    CHECK_FALSE(refusal("fd:").empty());
    CHECK_FALSE(refusal("fd:x").empty());
    CHECK_FALSE(refusal("fd:-1").empty());
    CHECK_FALSE(refusal("stdin:").empty());
}

TEST_CASE("a passphrase is the first line of its file, descriptor or the variable", "[keys]")
{
    test::temp_dir dir;
    SECTION("file: the first line, LF or CRLF")
    {
        auto p = keys::read_passphrase(source("file:" + dir.write("a", "secret one\nsecond line\n").string()));
        REQUIRE(p.has_value());
        CHECK(text_of(**p) == "secret one");
        p = keys::read_passphrase(source("file:" + dir.write("b", "secret two\r\n").string()));
        REQUIRE(p.has_value());
        CHECK(text_of(**p) == "secret two");
        p = keys::read_passphrase(source("file:" + dir.write("c", "no newline").string()));
        REQUIRE(p.has_value());
        CHECK(text_of(**p) == "no newline");
    }
    SECTION("file: missing, empty, too long, a directory")
    {
        auto p = keys::read_passphrase(source("file:" + dir.file("none").string()));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().code == keys::errc::unreadable);
        CHECK_FALSE(keys::read_passphrase(source("file:" + dir.write("e", "\n").string())).has_value());
        const std::string long_one(keys::max_passphrase_size + 1, 'x');
        p = keys::read_passphrase(source("file:" + dir.write("l", long_one).string()));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().message.find("longer than") != std::string::npos);
        CHECK(p.error().message.find("xxxx") == std::string::npos);
        CHECK_FALSE(keys::read_passphrase(source("file:" + dir.path().string())).has_value());
    }
    SECTION("env:")
    {
        ::setenv("ASCEP_TEST_KEY_PW", "from env", 1);
        auto p = keys::read_passphrase(source("env:ASCEP_TEST_KEY_PW"));
        REQUIRE(p.has_value());
        CHECK(text_of(**p) == "from env");
        ::unsetenv("ASCEP_TEST_KEY_PW");
        p = keys::read_passphrase(source("env:ASCEP_TEST_KEY_PW"));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().message.find("ASCEP_TEST_KEY_PW") != std::string::npos);
    }
    SECTION("fd: a pipe, read up to the first line end")
    {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const std::string data = "through a pipe\nrest\n";
        REQUIRE(::write(fds[1], data.data(), data.size()) == static_cast<ssize_t>(data.size()));
        ::close(fds[1]);
        auto p = keys::read_passphrase(source("fd:" + std::to_string(fds[0])));
        ::close(fds[0]);
        REQUIRE(p.has_value());
        CHECK(text_of(**p) == "through a pipe");
        // Closed now: a clear error, not a hang.
        p = keys::read_passphrase(source("fd:" + std::to_string(fds[0])));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().message.find("not open") != std::string::npos);
    }
}
