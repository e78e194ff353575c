// The packed replay (journal_replay) and journal::compact(): what a re-run
// replays after compaction is exactly what it replayed before, and the
// lines it keeps are the old lines, byte for byte.
#include "fleet/journal.hpp"

#include "open_journal.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace ascep;
using fleet::device_state;
using fleet::journal;
using fleet::journal_record;
using test::open_ok;
using fleet::journal_replay;

namespace {

std::vector<std::string> lines_in(const test::temp_dir& dir, std::string_view name)
{
    const auto bytes = dir.read(name);
    std::vector<std::string> lines;
    std::istringstream in(std::string(bytes.begin(), bytes.end()));
    for (std::string line; std::getline(in, line);)
        lines.push_back(line + "\n");
    return lines;
}

const std::string sscep_tid = "9C87D5B0A6E3F41200112233445566FF";

} // namespace

TEST_CASE("journal_replay: the last record per device, transactionIDs exact in every form")
{
    journal_replay r;
    r.apply({"a", device_state::requested, sscep_tid, "", 1, 10}, 0);
    r.apply({"b", device_state::requested, "0a1b", "", 1, 11}, 1);
    r.apply({"a", device_state::pending, sscep_tid, "", 2, 12}, 2);
    r.apply({"c", device_state::failed, "", "the CA answered FAILURE: badRequest", 3, 13}, 3);
    r.apply({"b", device_state::issued, "9c87d5b0a6e3f41200112233445566ff", "0102", 4, 14}, 4);
    // A device that was odd, then plain again, leaves nothing odd behind.
    r.apply({"d", device_state::failed, "x", "why", 1, 15}, 5);
    r.apply({"d", device_state::pending, sscep_tid, "", 2, 16}, 6);
    CHECK(r.find("a") == journal_record{"a", device_state::pending, sscep_tid, "", 2, 12});
    r.seal();
    REQUIRE(r.size() == 4);
    CHECK(r.at("a") == journal_record{"a", device_state::pending, sscep_tid, "", 2, 12});
    // Lower case does not pack (it would come back upper case): kept as is.
    // An issued device's detail (the serial) is not kept in memory.
    CHECK(r.at("b") == journal_record{"b", device_state::issued, "9c87d5b0a6e3f41200112233445566ff", "", 4, 14});
    CHECK(r.at("c") == journal_record{"c", device_state::failed, "", "the CA answered FAILURE: badRequest", 3, 13});
    CHECK(r.at("d") == journal_record{"d", device_state::pending, sscep_tid, "", 2, 16});
    CHECK_FALSE(r.find("e"));
    CHECK_THROWS_AS(r.at("e"), std::out_of_range);
    CHECK(r.last_lines() == std::vector<std::uint32_t>{2, 3, 4, 6});
    CHECK(r.records().size() == 4);
    CHECK(r.records()[0].id == "a");
}

TEST_CASE("journal_replay: 10,000 devices with sscep transactionIDs take at most 80 bytes each")
{
    journal_replay r;
    constexpr std::uint32_t n = 10000;
    for (std::uint32_t line = 0; line < 3 * n; ++line) {
        char id[16];
        std::snprintf(id, sizeof id, "dev-%05u", line % n);
        r.apply({id, device_state::pending, sscep_tid, "", line / n, 1'700'000'000'000}, line);
    }
    r.seal();
    REQUIRE(r.size() == n);
    INFO(r.bytes_held() << " bytes");
    CHECK(r.bytes_held() <= 80 * n);
}

TEST_CASE("journal: compact() keeps each device's last line byte for byte, unknown fields too")
{
    test::temp_dir tmp;
    const auto dir = tmp.file("run").string();
    std::filesystem::create_directory(dir);
    std::string text;
    std::vector<std::string> expected;
    for (unsigned i = 0; i < 5; ++i)
        for (const char* id : {"a", "b", "c"})
            text += fleet::format_journal_line({id, device_state::pending, sscep_tid, "", i, 1000 + i});
    // Lines written by a later version: a field this one does not know.
    const std::string b_last =
        R"({"id":"b","state":"issued","transaction_id":"0a1b","detail":"01FF","attempts":7,"time_ms":5,"renewal":{"due":1}})"
        "\n";
    const std::string c_last = fleet::format_journal_line({"c", device_state::failed, "", "no", 9, 6});
    text += b_last + c_last;
    tmp.write("run/journal.jsonl", text);
    const auto a_last = fleet::format_journal_line({"a", device_state::pending, sscep_tid, "", 4, 1004});

    std::vector<journal_record> before;
    {
        auto j = open_ok(dir);
        CHECK(j.records() == 17);
        before = j.replayed().records();
        REQUIRE_FALSE(j.compact());
        CHECK(j.records() == 3);
        CHECK(j.replayed().records() == before);
        CHECK(lines_in(tmp, "run/journal.jsonl") == std::vector<std::string>{a_last, b_last, c_last});
        CHECK_FALSE(std::filesystem::exists(dir + "/journal.jsonl.compacting"));
        // Appends go to the new file.
        CHECK_FALSE(j.append({"d", device_state::requested, sscep_tid, "", 1, 7}));
    }
    auto j = open_ok(dir);
    CHECK(j.records() == 4);
    auto after = j.replayed().records();
    REQUIRE(after.size() == 4);
    CHECK(after.back().id == "d");
    after.pop_back();
    CHECK(after == before);
}

TEST_CASE("journal: a stale .compacting file is removed; compact() refuses after an append")
{
    test::temp_dir tmp;
    const auto dir = tmp.file("run").string();
    std::filesystem::create_directory(dir);
    const auto line = fleet::format_journal_line({"a", device_state::pending, sscep_tid, "", 1, 1});
    tmp.write("run/journal.jsonl", line + line + line);
    tmp.write("run/journal.jsonl.compacting", line.substr(0, 10)); // a compaction killed half way
    auto j = open_ok(dir);
    CHECK_FALSE(std::filesystem::exists(dir + "/journal.jsonl.compacting"));
    CHECK(j.records() == 3);
    CHECK_FALSE(j.append({"b", device_state::requested, sscep_tid, "", 1, 2}));
    const auto refused = j.compact();
    REQUIRE(refused);
    CHECK_THAT(*refused, Catch::Contains("before anything is appended"));
    CHECK(lines_in(tmp, "run/journal.jsonl").size() == 4);
}
