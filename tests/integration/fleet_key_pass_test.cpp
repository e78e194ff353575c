// ascep fleet --key-pass against ascep-testca: every key.pem encrypted at
// rest (openssl reads each back with the passphrase), a run killed -9 while
// keys are made and again while devices wait to poll resumes with the same
// keys, and a wrong or missing passphrase stops the run before it writes.
#include "background_process.hpp"
#include "fleet_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <thread>

using namespace ascep;
using namespace ascep::test;

namespace {

const std::string passphrase_text = "fleet at rest 4711";

/// Device directories under `out` with a key.pem, and each key's hash.
std::map<std::string, std::string> keys_of(const fs::path& out)
{
    std::map<std::string, std::string> keys;
    if (fs::exists(out))
        for (const auto& e : fs::directory_iterator(out))
            if (e.is_directory() && fs::exists(e.path() / "key.pem"))
                keys[e.path().filename().string()] = sha256_of(slurp(e.path() / "key.pem"));
    return keys;
}

/// Runs the fleet in the background until `reached` holds (checked every
/// 50 ms; the limit only turns a hang into a failure), then kill -9.
void run_and_kill_when(const std::vector<std::string>& argv, const fs::path& log,
                       const std::function<bool()>& reached)
{
    background_process p(argv, log);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    while (!reached() && p.running() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(reached());
    p.kill(SIGKILL);
}

} // namespace

TEST_CASE("fleet --key-pass: 100 keys encrypted at rest, killed -9 twice, resumed with the same keys")
{
    fleet_fixture f({"--pending", "2"});
    f.dir.write("pw.txt", passphrase_text + "\n");
    write_manifest(f.dir.file("devices.csv"), 100);
    const auto args = f.fleet_args("devices.csv", "out",
                                   {"-t", "1", "--concurrency", "16", "--bits", "1024", "--key-pass",
                                    "file:" + f.path("pw.txt")});
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), ASCEP_PATH);
    const auto out = f.dir.file("out");

    std::map<std::string, std::string> seen;
    auto remember = [&] {
        for (const auto& [id, hash] : keys_of(out)) {
            auto [it, fresh] = seen.emplace(id, hash);
            if (!fresh)
                CHECK(it->second == hash); // never regenerated
        }
    };
    // While keys are being made, then once devices wait at the CA (PENDING:
    // the journal holds pending records, and resuming reads their keys back).
    run_and_kill_when(argv, f.dir.file("fleet1.log"), [&] { return keys_of(out).size() >= 20; });
    remember();
    // The second run: killed once it has journaled 20 more PENDING devices
    // (some of them resumed ones, whose keys it read back from disk).
    const auto pending_records = [&] {
        return fs::exists(out / "journal.jsonl") ? count_of(slurp(out / "journal.jsonl"), "\"pending\"") : 0;
    };
    const auto pending_before = pending_records();
    run_and_kill_when(argv, f.dir.file("fleet2.log"), [&] { return pending_records() >= pending_before + 20; });
    remember();

    const auto r = f.ascep(args);
    INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find(passphrase_text) == std::string::npos);
    CHECK(r.errors.find(passphrase_text) == std::string::npos);
    remember();
    CHECK(seen.size() == 100);
    f.check_issued("out", 100, passphrase_text);
    CHECK(f.issued_at_ca() == 100);
    // openssl reads every one with the passphrase.
    for (const auto& [id, hash] : seen) {
        const auto p = run_process({"openssl", "pkey", "-in", (out / id / "key.pem").string(), "-passin",
                                    "file:" + f.path("pw.txt"), "-noout"});
        INFO(id << p.errors);
        CHECK(p.exit_code == 0);
    }
    // Nothing in the output directory holds the passphrase.
    for (const auto& e : fs::recursive_directory_iterator(out))
        if (e.is_regular_file())
            CHECK(slurp(e.path()).find(passphrase_text) == std::string::npos);
}

TEST_CASE("fleet: a wrong or missing --key-pass for encrypted keys exits 93 before anything is written")
{
    fleet_fixture f({"--pending", "1"});
    f.dir.write("pw.txt", passphrase_text + "\n");
    f.dir.write("wrong.txt", "not the fleet secret\n");
    write_manifest(f.dir.file("devices.csv"), 4);
    // -n 0: the devices are left PENDING, their keys encrypted on disk.
    auto r = f.ascep(f.fleet_args("devices.csv", "out",
                                  {"-n", "0", "--bits", "1024", "--key-pass", "file:" + f.path("pw.txt")}));
    INFO(r.errors);
    REQUIRE(r.exit_code == 3);
    REQUIRE(keys_of(f.dir.file("out")).size() == 4);
    write_manifest(f.dir.file("devices.csv"), 8); // four more would get new keys
    const auto journal_before = slurp(f.dir.file("out") / "journal.jsonl");
    const auto keys_before = keys_of(f.dir.file("out"));

    r = f.ascep(f.fleet_args("devices.csv", "out", {"--bits", "1024", "--key-pass", "file:" + f.path("wrong.txt")}));
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("wrong passphrase") != std::string::npos);
    CHECK(r.errors.find("not the fleet secret") == std::string::npos);
    CHECK(r.errors.find(passphrase_text) == std::string::npos);

    r = f.ascep(f.fleet_args("devices.csv", "out", {"--bits", "1024"}));
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("--key-pass") != std::string::npos);

    CHECK(keys_of(f.dir.file("out")) == keys_before);
    CHECK(slurp(f.dir.file("out") / "journal.jsonl") == journal_before);
}
