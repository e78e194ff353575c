#include "fleet/journal.hpp"

#include "open_journal.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace ascep;
using fleet::device_state;
using fleet::journal;
using fleet::journal_record;
using test::open_ok;

namespace {

std::string read_text(const test::temp_dir& dir, std::string_view name)
{
    const auto bytes = dir.read(name);
    return {bytes.begin(), bytes.end()};
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::string open_error(const std::string& dir)
{
    std::string error;
    auto j = journal::open(dir, error);
    CHECK_FALSE(j);
    return error;
}

journal_record record(std::string id, device_state state, unsigned attempts)
{
    return {std::move(id), state, "0A1B2C", state == device_state::issued ? "serial 01" : "", attempts,
            1'700'000'000'000 + attempts};
}

/// `r` as replay keeps it: detail only for failed devices.
journal_record as_replayed(journal_record r)
{
    if (!fleet::journal_replay::keeps_detail(r.state))
        r.detail.clear();
    return r;
}

std::string parse_error(std::string_view line)
{
    std::string error;
    const auto r = fleet::parse_journal_line(line, error);
    CHECK_FALSE(r);
    return error;
}

} // namespace

TEST_CASE("journal line: format and parse round trip")
{
    const journal_record r{"gw-1.x", device_state::failed, "DEADBEEF", "server said \"no\"\n\tand \xC3\xA9", 3,
                           -5};
    const auto line = fleet::format_journal_line(r);
    CHECK(line.back() == '\n');
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    std::string error;
    const auto back = fleet::parse_journal_line(line, error);
    INFO(error);
    REQUIRE(back);
    CHECK(*back == r);

    for (auto s : {device_state::requested, device_state::pending, device_state::issued, device_state::failed}) {
        const auto rec = record("d", s, 1);
        CHECK(fleet::parse_journal_line(fleet::format_journal_line(rec), error) == rec);
    }
    CHECK(fleet::name(device_state::pending) == "pending");
}

TEST_CASE("journal line: bytes that are not UTF-8 become U+FFFD, long details are cut")
{
    journal_record r{"d", device_state::failed, "", "bad \xFF\xC3 end", 0, 0};
    std::string error;
    auto back = fleet::parse_journal_line(fleet::format_journal_line(r), error);
    INFO(error);
    REQUIRE(back);
    CHECK(back->detail == "bad \xEF\xBF\xBD\xEF\xBF\xBD end");

    // An overlong '/' and a UTF-16 surrogate are not UTF-8 either.
    r.detail = "\xC0\xAF\xED\xA0\x80";
    back = fleet::parse_journal_line(fleet::format_journal_line(r), error);
    REQUIRE(back);
    CHECK(back->detail == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");

    // Cut on a character boundary: 'é' is two bytes and straddles the limit.
    r.detail = std::string(fleet::max_journal_detail - 1, 'x') + "\xC3\xA9" + std::string(100, 'y');
    back = fleet::parse_journal_line(fleet::format_journal_line(r), error);
    REQUIRE(back);
    CHECK(back->detail == std::string(fleet::max_journal_detail - 1, 'x'));
}

TEST_CASE("journal line: unknown keys are ignored, bad ones rejected")
{
    std::string error;
    const auto r = fleet::parse_journal_line(
        R"({"id":"a","state":"pending","future":{"x":[1,2]},"attempts":2,"time_ms":9})", error);
    REQUIRE(r);
    CHECK(r->id == "a");
    CHECK(r->state == device_state::pending);
    CHECK(r->attempts == 2);
    CHECK(r->time_ms == 9);
    CHECK(r->transaction_id.empty());

    CHECK_THAT(parse_error(R"({"state":"pending"})"), Catch::Contains("no \"id\""));
    CHECK_THAT(parse_error(R"({"id":"","state":"pending"})"), Catch::Contains("empty \"id\""));
    CHECK_THAT(parse_error(R"({"id":"a"})"), Catch::Contains("no \"state\""));
    CHECK_THAT(parse_error(R"({"id":"a","state":"done"})"), Catch::Contains("unknown state \"done\""));
    CHECK_THAT(parse_error(R"({"id":7,"state":"issued"})"), Catch::Contains("\"id\" is not a string"));
    CHECK_THAT(parse_error(R"({"id":"a","state":"issued","attempts":-1})"), Catch::Contains("attempts"));
    CHECK_THAT(parse_error(R"({"id":"a","state":"issued","attempts":4294967296})"), Catch::Contains("attempts"));
    CHECK_THAT(parse_error(R"({"id":"a","state":"issued","attempts":1.5})"), Catch::Contains("attempts"));
    CHECK_THAT(parse_error(R"({"id":"a","state":"issued","time_ms":18446744073709551615})"),
               Catch::Contains("time_ms"));
    CHECK_THAT(parse_error(R"(["id"])"), Catch::Contains("not a JSON object"));
    CHECK_THAT(parse_error(R"({"id":"a","state":"issued"} x)"), Catch::Contains("not JSON"));
    CHECK_THAT(parse_error(""), Catch::Contains("not JSON"));
    CHECK_THAT(parse_error("{\"id\":\"\xFF\",\"state\":\"issued\"}"), Catch::Contains("not JSON"));
    CHECK_THAT(parse_error(R"({"id":"a","state":"issued","detail":")" + std::string(70000, 'x') + "\"}"),
               Catch::Contains("64 KiB"));
}

TEST_CASE("journal: appended records are replayed, the last per device wins")
{
    test::temp_dir tmp;
    const auto dir = tmp.file("out/run").string(); // parents made too
    {
        auto j = open_ok(dir);
        CHECK(j.replayed().empty());
        CHECK_FALSE(j.append(record("a", device_state::requested, 0)));
        CHECK_FALSE(j.append(record("b", device_state::requested, 0)));
        CHECK_FALSE(j.append(record("a", device_state::pending, 1)));
        CHECK_FALSE(j.append(record("a", device_state::issued, 2)));
        CHECK_FALSE(j.append(record("b", device_state::failed, 1)));
    }
    struct stat st{};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    REQUIRE(::stat((dir + "/.lock").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir + "/journal.jsonl").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(read_text(tmp, "out/run/.lock") == std::to_string(::getpid()) + "\n");
    CHECK(lines_of(read_text(tmp, "out/run/journal.jsonl")).size() == 5);

    auto j = open_ok(dir);
    REQUIRE(j.replayed().size() == 2);
    CHECK(j.replayed().at("a") == as_replayed(record("a", device_state::issued, 2)));
    CHECK(j.replayed().at("b") == record("b", device_state::failed, 1));
    // Appending after a replay extends the same file.
    CHECK_FALSE(j.append(record("c", device_state::requested, 0)));
    CHECK(j.replayed().size() == 2);
    CHECK(lines_of(read_text(tmp, "out/run/journal.jsonl")).size() == 6);
}

TEST_CASE("journal: a torn last line is dropped and cut off the file")
{
    test::temp_dir tmp;
    const auto good = fleet::format_journal_line(record("a", device_state::pending, 1)) +
                      fleet::format_journal_line(record("b", device_state::issued, 2));
    std::filesystem::create_directory(tmp.file("run"));
    // A complete-looking object without its newline is torn all the same.
    for (const std::string& torn : {std::string(R"({"id":"a","state":"iss)"), std::string(R"({"id":"a","state":"issued"})"),
                                   std::string(40, '\0')}) {
        tmp.write("run/journal.jsonl", good + torn);
        {
            auto j = open_ok(tmp.file("run").string());
            REQUIRE(j.replayed().size() == 2);
            CHECK(j.replayed().at("a").state == device_state::pending);
            CHECK(read_text(tmp, "run/journal.jsonl") == good);
            CHECK_FALSE(j.append(record("c", device_state::requested, 0)));
        }
        const auto lines = lines_of(read_text(tmp, "run/journal.jsonl"));
        REQUIRE(lines.size() == 3);
        std::string error;
        CHECK(fleet::parse_journal_line(lines[2], error) == record("c", device_state::requested, 0));
    }
}

TEST_CASE("journal: a corrupt line before the last is an error naming its line")
{
    test::temp_dir tmp;
    std::filesystem::create_directory(tmp.file("run"));
    const auto a = fleet::format_journal_line(record("a", device_state::pending, 1));
    tmp.write("run/journal.jsonl", a + "{\"id\":\"b\",\"state\":\"lost\"}\n" + a);
    CHECK_THAT(open_error(tmp.file("run").string()), Catch::Contains("line 2: unknown state"));
    // Nothing was cut: the file is left for a human to look at.
    CHECK(lines_of(read_text(tmp, "run/journal.jsonl")).size() == 3);

    tmp.write("run/journal.jsonl", a + "\n" + a);
    CHECK_THAT(open_error(tmp.file("run").string()), Catch::Contains("line 2: not JSON"));

    tmp.write("run/journal.jsonl", a + a + std::string(70000, 'x') + "\n");
    CHECK_THAT(open_error(tmp.file("run").string()), Catch::Contains("line 3: longer than 64 KiB"));

    // The lock is released after a refusal: fixing the file is enough.
    tmp.write("run/journal.jsonl", a);
    CHECK(open_ok(tmp.file("run").string()).replayed().size() == 1);
}

TEST_CASE("journal: a second run on the same directory fails fast, naming the first")
{
    test::temp_dir tmp;
    const auto dir = tmp.file("run").string();
    {
        auto first = open_ok(dir);
        CHECK(open_error(dir) == "another ascep fleet run is using " + dir + " (pid " + std::to_string(::getpid()) + ")");
        // Moving the journal keeps the lock.
        journal moved = std::move(first);
        CHECK_THAT(open_error(dir), Catch::Contains("another ascep fleet run"));
        CHECK_FALSE(moved.append(record("a", device_state::requested, 0)));
    }
    auto again = open_ok(dir);
    CHECK(again.replayed().size() == 1);
}

TEST_CASE("journal: the directory must be a directory")
{
    test::temp_dir tmp;
    tmp.write("file", "x");
    CHECK_THAT(open_error(tmp.file("file").string()), Catch::Contains("not a directory"));
    CHECK_THAT(open_error(""), Catch::Contains("no journal directory"));
}

TEST_CASE("journal: a record too long to read back is refused, the file stays intact")
{
    test::temp_dir tmp;
    auto j = open_ok(tmp.file("run").string());
    const auto error = j.append(record(std::string(70000, 'x'), device_state::requested, 0));
    REQUIRE(error);
    CHECK_THAT(*error, Catch::Contains("longer than 64 KiB"));
    CHECK_FALSE(j.append(record("ok", device_state::requested, 0)));
    CHECK(lines_of(read_text(tmp, "run/journal.jsonl")).size() == 1);
}

TEST_CASE("journal: a batch is appended in order; a record too long is left out, the rest written")
{
    test::temp_dir tmp;
    const auto dir = tmp.file("run").string();
    {
        auto j = open_ok(dir);
        const std::vector<journal_record> batch{record("a", device_state::requested, 0),
                                                record(std::string(70000, 'x'), device_state::requested, 0),
                                                record("b", device_state::requested, 0),
                                                record("a", device_state::pending, 1)};
        const auto error = j.append(batch);
        REQUIRE(error);
        CHECK_THAT(*error, Catch::Contains("longer than 64 KiB"));
        CHECK_FALSE(j.append(std::vector<journal_record>{}));
        CHECK_FALSE(j.append(std::vector<journal_record>{record("b", device_state::issued, 1)}));
    }
    const auto lines = lines_of(read_text(tmp, "run/journal.jsonl"));
    REQUIRE(lines.size() == 4);
    CHECK_THAT(lines[0], Catch::Contains("\"id\":\"a\""));
    CHECK_THAT(lines[1], Catch::Contains("\"id\":\"b\""));
    CHECK_THAT(lines[2], Catch::Contains("\"pending\""));
    CHECK_THAT(lines[3], Catch::Contains("\"issued\""));
    auto j = open_ok(dir);
    CHECK(j.replayed().at("a") == record("a", device_state::pending, 1));
    CHECK(j.replayed().at("b") == as_replayed(record("b", device_state::issued, 1)));
}

TEST_CASE("journal: appends from 4 threads give 4000 whole lines")
{
    test::temp_dir tmp;
    const auto dir = tmp.file("run").string();
    {
        auto j = open_ok(dir);
        std::vector<std::thread> threads;
        std::vector<int> failures(4, 0);
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&j, &failures, t] {
                for (unsigned i = 0; i < 1000; ++i)
                    if (j.append(record("t" + std::to_string(t), device_state::pending, i)))
                        ++failures[t];
            });
        for (auto& t : threads)
            t.join();
        CHECK(failures == std::vector<int>(4, 0));
    }
    const auto lines = lines_of(read_text(tmp, "run/journal.jsonl"));
    REQUIRE(lines.size() == 4000);
    std::string error;
    for (const auto& line : lines)
        if (!fleet::parse_journal_line(line, error))
            FAIL("unparseable line: " << line << " (" << error << ")");
    auto j = open_ok(dir);
    REQUIRE(j.replayed().size() == 4);
    for (int t = 0; t < 4; ++t)
        CHECK(j.replayed().at("t" + std::to_string(t)).attempts == 999);
}

TEST_CASE("journal: the renewal states round-trip; old_serial appears only where it is set")
{
    for (const auto state : {device_state::renewing, device_state::renewal_pending, device_state::renewed}) {
        journal_record r{"gw-1", state, "ABCD", "1F", 2, 1700000000000, state == device_state::renewed ? "0E" : ""};
        const auto line = fleet::format_journal_line(r);
        INFO(line);
        CHECK((line.find("\"old_serial\"") != std::string::npos) == (state == device_state::renewed));
        std::string error;
        const auto back = fleet::parse_journal_line(line, error);
        REQUIRE(back);
        CHECK(*back == r);
    }
    CHECK(fleet::format_journal_line({"gw-1", device_state::issued, "ABCD", "1F", 1, 5}) ==
          "{\"id\":\"gw-1\",\"state\":\"issued\",\"transaction_id\":\"ABCD\",\"detail\":\"1F\",\"attempts\":1,"
          "\"time_ms\":5}\n");
}

TEST_CASE("journal_replay: renewal states replay packed, each device's last record with its new transactionID")
{
    // A renewal's records follow the first enrollment's: renewing (the new
    // key's transactionID), renewal_pending (PENDING, polls counted), then
    // renewed. What a re-run decides from (renewal_files::next_renewal_step
    // and the CertPoll it sends) is the last record's state and
    // transactionID, so both must come back from the packed form.
    const std::string first_tid = "0123456789ABCDEF0123456789ABCDEF";   // packed: 32 upper-case hex
    const std::string renewal_tid = "FEDCBA9876543210FEDCBA9876543210"; // packed
    const std::string odd_tid = "renewal-tid-not-hex";                  // spilled
    const std::vector<journal_record> journey{
        {"a", device_state::requested, first_tid, "", 1, 10},
        {"b", device_state::requested, first_tid, "", 1, 11},
        {"c", device_state::requested, first_tid, "", 1, 12},
        {"a", device_state::issued, first_tid, "0A", 1, 20},
        {"b", device_state::issued, first_tid, "0B", 1, 21},
        {"c", device_state::issued, first_tid, "0C", 1, 22},
        {"a", device_state::renewing, renewal_tid, "", 1, 30},
        {"b", device_state::renewing, odd_tid, "", 1, 31},
        {"c", device_state::renewing, renewal_tid, "", 1, 32},
        {"a", device_state::renewal_pending, renewal_tid, "", 2, 40},
        {"b", device_state::renewal_pending, odd_tid, "", 3, 41},
        {"c", device_state::renewal_pending, renewal_tid, "", 2, 42},
        {"c", device_state::renewed, renewal_tid, "1C", 3, 50, "0C"},
    };
    fleet::journal_replay replay;
    for (std::size_t i = 0; i < journey.size(); ++i)
        replay.apply(journey[i], static_cast<std::uint32_t>(i));
    for (const bool sealed : {false, true}) {
        INFO("sealed " << sealed);
        if (sealed)
            replay.seal();
        REQUIRE(replay.size() == 3);
        const auto a = replay.at("a");
        CHECK(a.state == device_state::renewal_pending);
        CHECK(a.transaction_id == renewal_tid);
        CHECK(a.attempts == 2);
        CHECK(a.time_ms == 40);
        const auto b = replay.at("b");
        CHECK(b.state == device_state::renewal_pending);
        CHECK(b.transaction_id == odd_tid);
        CHECK(b.attempts == 3);
        const auto c = replay.at("c");
        CHECK(c.state == device_state::renewed);
        CHECK(c.transaction_id == renewal_tid);
        CHECK(c.detail.empty()); // kept for failed devices only
        CHECK(c.time_ms == 50);
        CHECK(replay.last_lines() == std::vector<std::uint32_t>{9, 10, 12});
    }
    // renewing alone (killed before any answer): the request is resent with its transactionID.
    fleet::journal_replay only_renewing;
    only_renewing.apply({"d", device_state::issued, first_tid, "0D", 1, 1}, 0);
    only_renewing.apply({"d", device_state::renewing, renewal_tid, "", 1, 2}, 1);
    only_renewing.seal();
    CHECK(only_renewing.at("d").state == device_state::renewing);
    CHECK(only_renewing.at("d").transaction_id == renewal_tid);
}
