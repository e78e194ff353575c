#include "fleet/manifest.hpp"
#include "fleet/shard.hpp"

#include "run_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace ascep;

TEST_CASE("shard: the key is the first 8 bytes of SHA-256(id), big-endian")
{
    // sha256("abc") = ba7816bf8f01cfea 414140de5dae2223 b00361a396177a9c b410ff61f20015ad
    CHECK(fleet::id_key("abc") == 0xba7816bf8f01cfeaULL);
    // sha256("") = e3b0c44298fc1c14 ...
    CHECK(fleet::id_key("") == 0xe3b0c44298fc1c14ULL);
    CHECK(fleet::in_shard(0xba7816bf8f01cfeaULL, {0xba7816bf8f01cfeaULL % 7, 7}));
    CHECK_FALSE(fleet::in_shard(0xba7816bf8f01cfeaULL, {(0xba7816bf8f01cfeaULL + 1) % 7, 7}));
    CHECK(fleet::in_shard(12345, {}));
}

TEST_CASE("shard: K/N is parsed strictly")
{
    std::string why;
    const auto s = fleet::parse_shard("3/8", why);
    REQUIRE(s);
    CHECK(*s == fleet::shard_spec{3, 8});
    CHECK(fleet::to_string(*s) == "3/8");
    CHECK(fleet::parse_shard("0/1", why));
    CHECK(fleet::parse_shard("999999/1000000", why));
    for (const char* bad : {"", "/", "1", "1/", "/2", "2/2", "5/2", "0/0", "-1/2", "+1/2", "1/+2", " 1/2", "1/2 ",
                            "1/2/3", "a/2", "0x1/2", "0/1000001", "99999999999999999999/2"}) {
        INFO(bad);
        CHECK_FALSE(fleet::parse_shard(bad, why));
        CHECK_FALSE(why.empty());
    }
    fleet::parse_shard("4/4", why);
    CHECK_THAT(why, Catch::Contains("K must be 0..3"));
}

TEST_CASE("shard: 10,000 ids are assigned as a Python one-liner with the same rule assigns them")
{
    // The rule is documented so that any tool can compute it; here the tool
    // is python3's hashlib, and the two must agree on every id.
    constexpr unsigned n = 10000, shards = 7;
    std::vector<std::string> ids;
    for (unsigned i = 0; i < n; ++i)
        ids.push_back("device-" + std::to_string(i * 7919u % 100003u) + (i % 3 == 0 ? ".example" : "_x"));
    std::string joined;
    for (const auto& id : ids)
        joined += id + "\n";
    test::temp_dir dir;
    const auto list = dir.write("ids.txt", joined).string();
    const auto r = test::run_process(
        {"python3", "-c",
         "import hashlib,sys\n"
         "for line in open(sys.argv[1]):\n"
         "    i = line.rstrip('\\n')\n"
         "    print(int.from_bytes(hashlib.sha256(i.encode()).digest()[:8], 'big') % int(sys.argv[2]))\n",
         list, std::to_string(shards)});
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(r.output);
    std::vector<unsigned> count(shards, 0);
    std::size_t checked = 0, mismatches = 0;
    for (const auto& id : ids) {
        unsigned python_shard = shards;
        REQUIRE(lines >> python_shard);
        const auto key = fleet::id_key(id);
        if (key % shards != python_shard || !fleet::in_shard(key, {python_shard, shards}))
            ++mismatches;
        ++count[python_shard];
        ++checked;
    }
    CHECK(checked == n);
    CHECK(mismatches == 0);
    // Every shard gets a fair share (expected 1428.6; 6 sigma is about 210).
    for (unsigned c : count)
        CHECK((c > 1200 && c < 1660));
}

TEST_CASE("shard: a manifest's shards partition its rows, and every shard judges every row")
{
    test::temp_dir dir;
    std::string text = "id,subject\n";
    for (int i = 0; i < 400; ++i)
        text += "gw-" + std::to_string(i) + ",\n";
    const auto path = dir.write("devices.csv", text).string();
    std::set<std::string> seen;
    std::size_t total = 0;
    for (std::uint64_t k = 0; k < 4; ++k) {
        const auto check = fleet::check_manifest(path, {k, 4});
        CHECK(check.problems.empty());
        CHECK(check.devices == 400);
        total += check.shard_devices;

        fleet::manifest_problem opened;
        auto reader = fleet::manifest_reader::open(path, opened);
        REQUIRE(reader);
        reader->only_shard({k, 4});
        fleet::device d;
        std::optional<fleet::manifest_problem> problem;
        std::size_t rows = 0;
        while (reader->next(d, problem)) {
            REQUIRE_FALSE(problem);
            CHECK(fleet::in_shard(fleet::id_key(d.id), {k, 4}));
            CHECK(seen.insert(d.id).second);
            ++rows;
        }
        CHECK(rows == check.shard_devices);
    }
    CHECK(total == 400);
    CHECK(seen.size() == 400);

    // A bad row in another shard stops every shard.
    const auto bad = dir.write("bad.csv", text + "gw-7,\n").string();
    for (std::uint64_t k = 0; k < 4; ++k) {
        const auto check = fleet::check_manifest(bad, {k, 4});
        REQUIRE(check.problems.size() == 1);
        CHECK(check.problems[0].line == 402);
        CHECK_THAT(check.problems[0].message, Catch::Contains("duplicate id 'gw-7' (first at line 9)"));
    }
}
