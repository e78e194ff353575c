// One manifest across several hosts (issue 15): `ascep fleet --shard K/N`
// runs in parallel against one ascep-testca, each with its own --out, one
// killed with SIGKILL and run again; and the challenge password kept off
// the command line (--challenge-file, ASCEP_CHALLENGE) and out of every
// line, journal and report.
#include "manifest_file.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <botan/hash.h>
#include <botan/x509cert.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace ascep;
using test::count_of;
using test::slurp;
namespace fs = std::filesystem;

namespace {

// Not a word any output would hold by chance.
const std::string secret = "Xq7-sh4rd-S3cr3t";

std::string device_id(std::size_t i)
{
    return "node-" + std::to_string(i);
}

/// The documented rule, computed here with Botan directly (not through
/// src/fleet): the first 8 bytes of SHA-256(id), big-endian, mod N.
std::uint64_t shard_of(const std::string& id, std::uint64_t n)
{
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(id);
    const auto digest = h->final_stdvec();
    std::uint64_t key = 0;
    for (int i = 0; i < 8; ++i)
        key = (key << 8) | digest[static_cast<std::size_t>(i)];
    return key % n;
}

struct shard_fixture {
    test::temp_dir dir;
    test::testca_process ca{ASCEP_TESTCA_PATH, dir, {"--challenge", secret}};

    shard_fixture()
    {
        const auto r = ascep({"getca", "-u", ca.url, "-c", path("ca.crt")});
        INFO(r.errors);
        REQUIRE(r.exit_code == 0);
        std::ofstream(dir.file("challenge.txt")) << secret << "\n";
    }

    std::string path(const std::string& name) const { return dir.file(name).string(); }

    static test::process_result ascep(std::vector<std::string> args)
    {
        args.insert(args.begin(), ASCEP_PATH);
        return test::run_process(args);
    }

    void write_manifest(std::size_t n) const
    {
        test::write_manifest(dir.file("devices.csv"), n,
                             {.id_format = "node-%zu", .first = 0, .organization = "Shard Test", .dns = false});
    }

    std::vector<std::string> fleet_args(const std::string& out, std::vector<std::string> extra) const
    {
        std::vector<std::string> a{ASCEP_PATH, "fleet", "--manifest", path("devices.csv"), "--out", path(out),
                                   "-u", ca.url, "-c", path("ca.crt"), "--bits", "1024", "--progress", "plain",
                                   "--concurrency", "4", "--crypto-threads", "1", "--jsonl"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

    /// Certificates ascep-testca has issued.
    std::size_t issued_at_ca() const
    {
        const auto r = ca.command({"list"});
        REQUIRE(r.exit_code == 0);
        return count_of(r.output, ")  valid  until");
    }

    /// The ids with a cert.pem under `out`.
    std::set<std::string> issued_in(const std::string& out) const
    {
        std::set<std::string> ids;
        for (const auto& e : fs::directory_iterator(dir.file(out)))
            if (e.is_directory() && fs::exists(e.path() / "cert.pem"))
                ids.insert(e.path().filename().string());
        return ids;
    }
};

bool holds_secret(const std::vector<std::string>& argv)
{
    for (const auto& a : argv)
        if (a.find(secret) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("fleet --shard: four shards of 400 devices in parallel, one killed -9 and resumed")
{
    shard_fixture f;
    constexpr std::size_t devices = 400, shards = 4;
    f.write_manifest(devices);
    // Shards 1 and 3 take the challenge from the environment, 0 and 2 from a file.
    REQUIRE(::setenv("ASCEP_CHALLENGE", secret.c_str(), 1) == 0);

    std::vector<std::vector<std::string>> argv(shards);
    for (std::size_t k = 0; k < shards; ++k) {
        std::vector<std::string> extra{"--shard", std::to_string(k) + "/" + std::to_string(shards), "--report",
                                       f.path("report-" + std::to_string(k) + ".json")};
        if (k % 2 == 0)
            extra.insert(extra.end(), {"--challenge-file", f.path("challenge.txt")});
        if (k == 3)
            extra.push_back("-d"); // debug output must not show it either
        argv[k] = f.fleet_args("out-" + std::to_string(k), extra);
        CHECK_FALSE(holds_secret(argv[k]));
    }

    // Shard 0 is killed after its tenth issued certificate, while the
    // others run; then all four are waited for.
    std::vector<test::process_result> first(shards);
    std::vector<std::thread> others;
    for (std::size_t k = 1; k < shards; ++k)
        others.emplace_back([&, k] { first[k] = test::run_process(argv[k]); });
    pid_t victim = -1;
    int issued_seen = 0;
    first[0] = test::run_process(
        argv[0],
        [&](const std::string& line) {
            if (line.find("\"event\":\"issued\"") != std::string::npos && ++issued_seen == 10)
                ::kill(victim, SIGKILL);
        },
        [&](pid_t pid) { victim = pid; });
    for (auto& t : others)
        t.join();
    CHECK(first[0].exit_code == 128 + SIGKILL);
    for (std::size_t k = 1; k < shards; ++k) {
        INFO("shard " << k << ": " << first[k].errors);
        CHECK(first[k].exit_code == 0);
    }

    const auto again = test::run_process(argv[0]);
    INFO(again.errors);
    REQUIRE(again.exit_code == 0);
    REQUIRE(::unsetenv("ASCEP_CHALLENGE") == 0);
    // The killed run's devices are skipped, not asked for again.
    CHECK(count_of(again.output, "\"event\":\"skipped\"") >= 10);

    std::set<std::string> all;
    for (std::size_t k = 0; k < shards; ++k) {
        const auto out = "out-" + std::to_string(k);
        const auto mine = f.issued_in(out);
        INFO("shard " << k);
        for (const auto& id : mine) {
            CHECK(shard_of(id, shards) == k);
            CHECK(all.insert(id).second); // in no other shard's output
        }
        // Totals and the report count this shard's devices only.
        const auto report = slurp(f.dir.file("report-" + std::to_string(k) + ".json"));
        CHECK(report.find("\"total\":" + std::to_string(mine.size()) + ",") != std::string::npos);
        const auto& log = k == 0 ? again : first[k];
        CHECK(log.errors.find("shard " + std::to_string(k) + "/4: " + std::to_string(mine.size()) +
                              " of the 400 devices") != std::string::npos);
        CHECK(count_of(log.output, "\"id\":") == mine.size()); // one --jsonl event per device of the shard

        // The challenge is in no line, journal or report (the CSRs carry it, as they must).
        CHECK(log.output.find(secret) == std::string::npos);
        CHECK(log.errors.find(secret) == std::string::npos);
        CHECK(first[k].errors.find(secret) == std::string::npos);
        CHECK(slurp(f.dir.file(out) / "journal.jsonl").find(secret) == std::string::npos);
        CHECK(report.find(secret) == std::string::npos);
        CHECK(log.errors.find("on the command line") == std::string::npos); // no argv warning
    }
    // The union is the manifest, and the CA issued each device once.
    CHECK(all.size() == devices);
    for (std::size_t i = 0; i < devices; ++i)
        CHECK(all.count(device_id(i)) == 1);
    CHECK(f.issued_at_ca() == devices);
}

TEST_CASE("fleet --shard: a malformed or out-of-range value is a usage error, before anything is written")
{
    test::temp_dir dir;
    std::ofstream(dir.file("devices.csv")) << "id\na\n";
    for (const char* bad : {"4/4", "1/0", "x", "1", "-1/4", "1/4/2", "0/", "/4", " 0/4"}) {
        INFO(bad);
        const auto r = test::run_process({ASCEP_PATH, "fleet", "--manifest", dir.file("devices.csv").string(), "--out",
                                          dir.file("out").string(), "-u", "http://127.0.0.1:9/scep", "-c",
                                          dir.file("ca.crt").string(), "--shard", bad});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.errors, Catch::StartsWith("ascep: --shard: "));
        CHECK(!fs::exists(dir.file("out")));
    }
}

TEST_CASE("challenge: --challenge-file and ASCEP_CHALLENGE enroll; precedence and bad files")
{
    shard_fixture f;

    // mkrequest then enroll, the challenge from the file, then from the environment.
    for (const bool from_file : {true, false}) {
        INFO(from_file);
        const auto prefix = f.path(from_file ? "file" : "env");
        std::vector<std::string> mk{"mkrequest", "-dns", "gw.example.test", "--bits", "1024", "--prefix", prefix};
        if (from_file)
            mk.insert(mk.end(), {"--challenge-file", f.path("challenge.txt")});
        else
            REQUIRE(::setenv("ASCEP_CHALLENGE", secret.c_str(), 1) == 0);
        const auto made = f.ascep(mk);
        ::unsetenv("ASCEP_CHALLENGE");
        INFO(made.errors);
        REQUIRE(made.exit_code == 0);
        const auto r = f.ascep({"enroll", "-u", f.ca.url, "-c", f.path("ca.crt"), "-k", prefix + ".key", "-r",
                                prefix + ".csr", "-l", prefix + ".crt", "-d"});
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 0);
        CHECK((r.output + r.errors + made.output + made.errors).find(secret) == std::string::npos);
    }
    CHECK(f.issued_at_ca() == 2);

    f.write_manifest(2);
    const auto fleet = [&](const std::string& out, std::vector<std::string> extra) {
        auto a = f.fleet_args(out, extra);
        a.erase(a.begin());
        return f.ascep(a);
    };

    SECTION("the file wins over the environment; so does --challenge, with a warning")
    {
        REQUIRE(::setenv("ASCEP_CHALLENGE", "wrong", 1) == 0);
        const auto by_file = fleet("out-file", {"--challenge-file", f.path("challenge.txt")});
        const auto by_argv = fleet("out-argv", {"--challenge", secret});
        ::unsetenv("ASCEP_CHALLENGE");
        INFO(by_file.errors << by_argv.errors);
        CHECK(by_file.exit_code == 0);
        CHECK(by_file.errors.find("warning") == std::string::npos);
        CHECK(by_argv.exit_code == 0);
        CHECK_THAT(by_argv.errors, Catch::Contains("warning: a challenge password on the command line can be read by "
                                                   "every local user") &&
                                       Catch::Contains("--challenge-file FILE or the environment variable "
                                                       "ASCEP_CHALLENGE"));
        CHECK(f.issued_at_ca() == 6);
    }
    SECTION("a row's own challenge still wins for that device")
    {
        std::ofstream(f.dir.file("devices.csv")) << "id,challenge\nown," << secret << "\nwrong,nope\n";
        const auto r = fleet("out", {"--challenge-file", f.path("challenge.txt")});
        CHECK(r.exit_code == 2); // "wrong" is refused by the CA
        CHECK(f.issued_in("out") == std::set<std::string>{"own"});
    }
    SECTION("both a file and an argv value, or a file that cannot serve")
    {
        const auto both = fleet("out", {"--challenge-file", f.path("challenge.txt"), "--challenge", "x"});
        CHECK(both.exit_code == 1);
        CHECK_THAT(both.errors, Catch::Contains("not both"));
        const auto both_mk = f.ascep({"mkrequest", "-dns", "a.test", "--challenge-file", f.path("challenge.txt"),
                                      "positional", "--prefix", f.path("x")});
        CHECK(both_mk.exit_code == 1);

        std::ofstream(f.dir.file("empty.txt")) << "\n";
        std::ofstream(f.dir.file("two-lines.txt")) << secret << "\nmore\n";
        std::ofstream(f.dir.file("long.txt")) << std::string(5000, 'x');
        fs::create_directory(f.dir.file("a-dir"));
        for (const auto& [file, says] : std::vector<std::pair<std::string, std::string>>{
                 {"missing.txt", "No such file"},
                 {"empty.txt", "is empty"},
                 {"two-lines.txt", "more than one line"},
                 {"long.txt", "longer than 4096 bytes"},
                 {"a-dir", "not a regular file"}}) {
            INFO(file);
            const auto r = fleet("out-" + file, {"--challenge-file", f.path(file)});
            CHECK(r.exit_code == 93);
            CHECK_THAT(r.errors, Catch::Contains(says) && Catch::Contains(f.path(file)));
            CHECK(r.errors.find(secret) == std::string::npos);
            CHECK(!fs::exists(f.dir.file("out-" + file)));
            const auto mk = f.ascep({"mkrequest", "-dns", "a.test", "--challenge-file", f.path(file), "--prefix",
                                     f.path("mk-" + file)});
            CHECK(mk.exit_code == 93);
            CHECK(!fs::exists(f.path("mk-" + file) + ".key"));
        }
    }
}

TEST_CASE("proxy credentials on the command line get a warning; from the environment none")
{
    test::temp_dir dir;
    const auto argv_proxy = test::run_process({ASCEP_PATH, "getcaps", "-u", "http://127.0.0.1:9/scep", "-p",
                                               "user:pw@127.0.0.1:9", "--timeout", "2"});
    CHECK_THAT(argv_proxy.errors, Catch::Contains("warning: -p: the proxy's user name and password on the command "
                                                  "line") &&
                                      Catch::Contains("HTTPS_PROXY"));
    const auto plain_proxy = test::run_process({ASCEP_PATH, "getcaps", "-u", "http://127.0.0.1:9/scep", "-p",
                                                "127.0.0.1:9", "--timeout", "2"});
    CHECK(plain_proxy.errors.find("warning: -p") == std::string::npos);
}
