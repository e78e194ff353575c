#include "fleet/manifest.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace ascep;
using fleet::device;
using fleet::manifest_problem;

namespace {

struct read_result {
    std::vector<device> devices;
    std::vector<manifest_problem> problems;
};

read_result read_all(const std::string& path)
{
    manifest_problem opened;
    auto reader = fleet::manifest_reader::open(path, opened);
    REQUIRE(reader);
    read_result r;
    device d;
    std::optional<manifest_problem> problem;
    while (reader->next(d, problem)) {
        if (problem)
            r.problems.push_back(*problem);
        else
            r.devices.push_back(d);
    }
    return r;
}

read_result read_text(const test::temp_dir& dir, std::string_view text)
{
    return read_all(dir.write("devices.csv", text).string());
}

// The problem reported for `line`, or "" when there is none.
std::string problem_at(const read_result& r, std::size_t line)
{
    for (const auto& p : r.problems)
        if (p.line == line)
            return p.message;
    return {};
}

std::string open_problem(const test::temp_dir& dir, std::string_view text)
{
    manifest_problem problem;
    auto reader = fleet::manifest_reader::open(dir.write("devices.csv", text).string(), problem);
    CHECK_FALSE(reader);
    return problem.message;
}

// ASan keeps freed memory in quarantine and pads every allocation, so RSS
// says nothing about the reader there; the other builds check the bound.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool rss_is_meaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool rss_is_meaningful = false;
#else
constexpr bool rss_is_meaningful = true;
#endif
#else
constexpr bool rss_is_meaningful = true;
#endif

// Peak resident set so far, in KiB (0 when /proc is not there).
long peak_rss_kib()
{
    std::ifstream status("/proc/self/status");
    std::string key;
    long value = 0;
    while (status >> key) {
        if (key == "VmHWM:" && status >> value)
            return value;
        status.ignore(4096, '\n');
    }
    return 0;
}

} // namespace

TEST_CASE("manifest: columns in any order, RFC 4180 quoting, lists and key paths")
{
    test::temp_dir dir;
    dir.write("gw2.key", "not parsed here");
    const auto r = read_text(dir,
                             "\xEF\xBB\xBF"
                             "key,email,id,subject,dns,ip,challenge\r\n"
                             "# a comment, with \"quotes\" that do not count\r\n"
                             "\r\n"
                             ",,gw1,,,,\r\n"
                             "gw2.key, a@example.com ; ;b@example.com ,gw2,\"CN=gw2,O=Example \"\"Inc\"\"\","
                             " gw2.example.com;gw2 ,10.0.0.2,\"pass,word\"\n"
                             "   \n"
                             ",,gw3,\"CN=multi\nline\",,,\n"
                             ",,gw4,,,,x");
    REQUIRE(r.problems.empty());
    REQUIRE(r.devices.size() == 4);

    const auto& gw1 = r.devices[0];
    CHECK(gw1.id == "gw1");
    CHECK(gw1.line == 4);
    CHECK(gw1.subject.empty());
    CHECK(gw1.key_file.empty());
    CHECK(gw1.challenge.empty());

    const auto& gw2 = r.devices[1];
    CHECK(gw2.line == 5);
    CHECK(gw2.subject == std::vector<scep::dn_attribute>{{"CN", "gw2"}, {"O", "Example \"Inc\""}});
    CHECK(gw2.dns == std::vector<std::string>{"gw2.example.com", "gw2"});
    CHECK(gw2.ip == std::vector<std::string>{"10.0.0.2"});
    CHECK(gw2.email == std::vector<std::string>{"a@example.com", "b@example.com"});
    CHECK(gw2.challenge == "pass,word");
    CHECK(gw2.key_file == (dir.path() / "gw2.key").string());

    // A quoted newline is data; the next record's line counts it.
    CHECK(r.devices[2].line == 7);
    CHECK(r.devices[2].subject == std::vector<scep::dn_attribute>{{"CN", "multi\nline"}});
    CHECK(r.devices[3].line == 9);
    CHECK(r.devices[3].challenge == "x"); // last record without a newline
}

TEST_CASE("manifest: relative key paths are relative to the manifest, not the cwd")
{
    test::temp_dir dir;
    std::filesystem::create_directory(dir.file("keys"));
    dir.write("keys/a.pem", "k");
    const auto r = read_text(dir, "id,key\na,keys/a.pem\nb," + dir.file("keys/a.pem").string() + "\n");
    REQUIRE(r.problems.empty());
    REQUIRE(r.devices.size() == 2);
    CHECK(r.devices[0].key_file == dir.file("keys/a.pem").string());
    CHECK(r.devices[1].key_file == dir.file("keys/a.pem").string());
}

TEST_CASE("manifest: header problems stop the run before any row")
{
    test::temp_dir dir;
    CHECK_THAT(open_problem(dir, ""), Catch::Contains("empty"));
    CHECK_THAT(open_problem(dir, "\n# only a comment\n\n"), Catch::Contains("empty"));
    CHECK_THAT(open_problem(dir, "subject,dns\nCN=a,a\n"), Catch::Contains("no 'id' column"));
    CHECK_THAT(open_problem(dir, "id,Subject,colour\n"), Catch::Contains("'Subject', 'colour'"));
    CHECK_THAT(open_problem(dir, "id,dns,dns\n"), Catch::Contains("'dns' appears twice"));
    CHECK_THAT(open_problem(dir, "id,\"dns\n"), Catch::Contains("unterminated quote"));

    manifest_problem problem;
    CHECK_FALSE(fleet::manifest_reader::open(dir.file("missing.csv").string(), problem));
    CHECK_THAT(problem.message, Catch::Contains("No such file"));
    CHECK(problem.line == 0);
    CHECK_FALSE(fleet::manifest_reader::open(dir.path().string(), problem));
    CHECK_THAT(problem.message, Catch::Contains("is a directory"));
}

TEST_CASE("manifest: each bad row is reported with the line its record starts on")
{
    test::temp_dir dir;
    dir.write("ok.key", "k");
    std::filesystem::create_directory(dir.file("adir"));
    const auto r = read_text(dir,
                             "id,subject,dns,ip,email,key\n" // 1
                             "gw1,,,,,\n"                    // 2
                             "gw1,,,,,\n"                    // 3 duplicate of 2
                             "../etc,,,,,\n"                 // 4
                             ".hidden,,,,,\n"                // 5
                             "-rf,,,,,\n"                    // 6
                             "a b,,,,,\n"                    // 7
                             ",,,,,\n"                       // 8
                             "s1,CN=a;O=b,,,,\n"             // 9 fine: ';' is only text in a subject
                             "s2,XX=a,,,,\n"                 // 10 unknown type
                             "s3,CN=a\\,,,,\n"               // 11: a backslash does not hide a CSV comma
                             "i1,,,::1,,\n"                  // 12 IPv6
                             "i2,,,10.0.0.256,,\n"           // 13
                             "d1,,a b.example,,,\n"          // 14
                             "e1,,,,nobody.example.com,\n"   // 15
                             "k1,,,,,missing.key\n"          // 16
                             "k2,,,,,adir\n"                 // 17
                             "k3,,,,,ok.key\n"               // 18 fine
                             "w1,,,,,,extra\n"               // 19
                             "q1,\"CN=a\"x,,,,\n"            // 20
                             "q2,CN=\"a\",,,,\n"             // 21
                             "last,,,,,\n");                 // 22
    CHECK(problem_at(r, 3).empty()); // the reader judges each row alone: duplicates are check_manifest's
    CHECK_THAT(problem_at(r, 4), Catch::Contains("unsafe id '../etc'"));
    CHECK_THAT(problem_at(r, 5), Catch::Contains("unsafe id"));
    CHECK_THAT(problem_at(r, 6), Catch::Contains("unsafe id"));
    CHECK_THAT(problem_at(r, 7), Catch::Contains("unsafe id"));
    CHECK_THAT(problem_at(r, 8), Catch::Contains("empty id"));
    CHECK(problem_at(r, 9).empty());
    CHECK_THAT(problem_at(r, 10), Catch::Contains("subject 'XX=a': unknown attribute type 'XX'"));
    CHECK_THAT(problem_at(r, 11), Catch::Contains("subject"));
    CHECK_THAT(problem_at(r, 12), Catch::Contains("'::1' is not an IPv4 address"));
    CHECK_THAT(problem_at(r, 13), Catch::Contains("not an IPv4 address"));
    CHECK_THAT(problem_at(r, 14), Catch::Contains("'a b.example' is not a DNS name"));
    CHECK_THAT(problem_at(r, 15), Catch::Contains("not an email address"));
    CHECK_THAT(problem_at(r, 16), Catch::Contains("missing.key") && Catch::Contains("No such file"));
    CHECK_THAT(problem_at(r, 17), Catch::Contains("not a regular file"));
    CHECK(problem_at(r, 18).empty());
    CHECK_THAT(problem_at(r, 19), Catch::Contains("7 fields, but the header has 6"));
    CHECK_THAT(problem_at(r, 20), Catch::Contains("after a closing quote"));
    CHECK_THAT(problem_at(r, 21), Catch::Contains("quote inside an unquoted field"));
    CHECK(r.problems.size() == 16);
    REQUIRE(r.devices.size() == 5);
    CHECK(r.devices.back().id == "last");
    CHECK(r.devices.back().line == 22);
}

TEST_CASE("manifest: check_manifest reports each duplicate id with both lines, merged with the row's other problems")
{
    test::temp_dir dir;
    const auto check = fleet::check_manifest(dir.write("devices.csv",
                                                       "id,subject\n" // 1
                                                       "a,\n"         // 2
                                                       "b,XX=1\n"     // 3 bad subject
                                                       "a,\n"         // 4 duplicate of 2
                                                       "b,\n"         // 5 duplicate of 3 (which is bad itself)
                                                       "c,\n"         // 6
                                                       "a,XX=2\n"     // 7 duplicate and bad subject
                                                       "x\"y\n"       // 8 not CSV
                                                       "c,\n")        // 9 duplicate of 6
                                                 .string());
    REQUIRE(check.problems.size() == 6);
    CHECK(check.problems[0].line == 3);
    CHECK_THAT(check.problems[0].message, Catch::Contains("XX"));
    CHECK(check.problems[1].line == 4);
    CHECK(check.problems[1].message == "duplicate id 'a' (first at line 2)");
    CHECK(check.problems[2].line == 5);
    CHECK(check.problems[2].message == "duplicate id 'b' (first at line 3)");
    CHECK(check.problems[3].line == 7);
    CHECK_THAT(check.problems[3].message,
               Catch::StartsWith("duplicate id 'a' (first at line 2); subject 'XX=2'"));
    CHECK(check.problems[4].line == 8);
    CHECK(check.problems[5].line == 9);
    CHECK(check.problems[5].message == "duplicate id 'c' (first at line 6)");
    CHECK(check.devices == 2); // a (line 2) and c (line 6)
}

TEST_CASE("manifest: the problem cap counts duplicates too")
{
    test::temp_dir dir;
    std::string text = "id\n";
    for (int i = 0; i < 80; ++i)
        text += ".bad" + std::to_string(i) + "\n";
    for (int i = 0; i < 60; ++i)
        text += "same\n";
    const auto check = fleet::check_manifest(dir.write("devices.csv", text).string());
    REQUIRE(check.problems.size() == 101);
    CHECK(check.problems[79].line == 81);
    CHECK(check.problems[80].line == 83);
    CHECK(check.problems[80].message == "duplicate id 'same' (first at line 82)");
    CHECK(check.problems[100].message == "... and 39 more");
    CHECK(check.devices == 1);
}

TEST_CASE("manifest: one row may have several problems, all in one message")
{
    test::temp_dir dir;
    const auto r = read_text(dir, "id,subject,ip,key\n.x,XX=1,::1,nope\n");
    REQUIRE(r.problems.size() == 1);
    const auto& m = r.problems[0].message;
    CHECK_THAT(m, Catch::Contains("unsafe id") && Catch::Contains("XX") && Catch::Contains("::1") &&
                      Catch::Contains("nope"));
}

TEST_CASE("manifest: ids at the edges of what is safe")
{
    for (const char* id : {"a", "A.b_c-9", "0", "a..b"})
        CHECK(fleet::is_safe_device_id(id));
    for (const char* id : {"", ".", "..", ".a", "-a", "a/b", "a b", "é", "a\\b", "a:b"})
        CHECK_FALSE(fleet::is_safe_device_id(id));
    CHECK(fleet::is_safe_device_id(std::string(128, 'x')));
    CHECK_FALSE(fleet::is_safe_device_id(std::string(129, 'x')));
}

TEST_CASE("manifest: an unterminated quote at the end and over-long lines are reported, reading goes on")
{
    test::temp_dir dir;
    const std::string long_line = "big," + std::string(70 * 1024, 'x') + "\n";
    const auto r = read_text(dir, "id,challenge\n" + long_line + "after,1\n" + "open,\"never closed\nstill open\n");
    CHECK_THAT(problem_at(r, 2), Catch::Contains("longer than 64 KiB"));
    CHECK_THAT(problem_at(r, 4), Catch::Contains("unterminated quote"));
    REQUIRE(r.devices.size() == 1);
    CHECK(r.devices[0].id == "after");
    CHECK(r.devices[0].line == 3);
}

TEST_CASE("manifest: a quote left open swallows at most 64 KiB, then reading resumes")
{
    test::temp_dir dir;
    std::string text = "id,challenge\nbad,\"oops\n";
    for (int i = 0; i < 10000; ++i)
        text += "d" + std::to_string(i) + ",secret\n";
    const auto r = read_text(dir, text);
    REQUIRE_FALSE(r.problems.empty());
    CHECK(r.problems[0].line == 2);
    CHECK_THAT(r.problems[0].message, Catch::Contains("unterminated quote"));
    // Whatever the swallowed rows were, the rows after the 64 KiB are read again.
    REQUIRE_FALSE(r.devices.empty());
    CHECK(r.devices.back().id == "d9999");
    CHECK(r.devices.back().line == 10002);
    CHECK(r.devices.size() < 9000);
}

TEST_CASE("manifest: check_manifest counts devices and caps the problem list")
{
    test::temp_dir dir;
    std::string text = "id\n";
    for (int i = 0; i < 150; ++i)
        text += ".bad" + std::to_string(i) + "\n";
    for (int i = 0; i < 7; ++i)
        text += "good" + std::to_string(i) + "\n";
    const auto check = fleet::check_manifest(dir.write("devices.csv", text).string());
    CHECK(check.devices == 7);
    REQUIRE(check.problems.size() == 101);
    CHECK(check.problems[0].line == 2);
    CHECK(check.problems[99].line == 101);
    CHECK(check.problems[100].line == 0);
    CHECK(check.problems[100].message == "... and 50 more");

    const auto missing = fleet::check_manifest(dir.file("nope.csv").string());
    CHECK(missing.devices == 0);
    REQUIRE(missing.problems.size() == 1);
    CHECK(missing.problems[0].line == 0);
}

TEST_CASE("manifest: a million rows stream in bounded memory")
{
    test::temp_dir dir;
    const auto path = dir.file("million.csv").string();
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f);
        std::fputs("id,subject,dns,ip,email,challenge\n", f);
        for (unsigned i = 0; i < 1'000'000; ++i) {
            // Every column filled, so the checks run on every row.
            std::fprintf(f, "dev%07u,\"CN=dev%07u,O=Example\",dev%07u.example.com,10.%u.%u.%u,ops@example.com,c%u\n",
                         i, i, i, (i >> 16) & 255, (i >> 8) & 255, i & 255, i);
        }
        REQUIRE(std::fclose(f) == 0);
    }
    const long before = peak_rss_kib();
    const auto start = std::chrono::steady_clock::now();
    const auto check = fleet::check_manifest(path);
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long after = peak_rss_kib();
    INFO("check_manifest took " << seconds << " s, peak RSS grew by " << (after - before) / 1024 << " MiB");
    CHECK(check.problems.empty());
    CHECK(check.devices == 1'000'000);
    if (before > 0 && rss_is_meaningful)
        CHECK(after - before < 200 * 1024);
    WARN("1M-row manifest: " << seconds << " s, peak RSS +" << (after - before) / 1024 << " MiB");
}
