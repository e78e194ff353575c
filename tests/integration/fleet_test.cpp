// ascep fleet end to end, as an operator runs it: the binary against a real
// ascep-testca (and the Debian scepserver, and through tinyproxy), killed and
// re-run, every certificate checked against the CA's key.
#include "fleet_fixture.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"
#include "testca_process.hpp"
#include "test_pki.hpp"
#include "threaded_http_server.hpp"

#include <botan/data_src.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/pem.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <map>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ascep;
using test::count_of;
using test::slurp;
using test::fleet_fixture;
using test::sha256_of;
using test::write_manifest;
namespace fs = std::filesystem;

namespace {

/// Every file under `root` but the lock file (which holds the running
/// run's pid): path -> content hash and modification time.
std::map<std::string, std::string> snapshot(const fs::path& root)
{
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        // .lock is taken by every run; .last_success is the end of the last
        // run that left no device failed, so a re-run rewrites it.
        if (!e.is_regular_file() || e.path().filename() == ".lock" || e.path().filename() == ".last_success")
            continue;
        struct stat st {};
        ::stat(e.path().c_str(), &st);
        out[e.path().string()] = sha256_of(slurp(e.path())) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
                                 std::to_string(st.st_mtim.tv_nsec);
    }
    return out;
}

/// Polls `reached` every 50 ms until it holds or `limit` passes; says which.
/// Tests wait for the state they need, not for a time: the limit is only
/// there so that a broken run fails instead of hanging.
bool wait_until(const std::function<bool()>& reached, std::chrono::seconds limit)
{
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!reached()) {
        if (std::chrono::steady_clock::now() >= give_up)
            return false;
        ::usleep(50000);
    }
    return true;
}

/// How many device directories under `out` hold a key.pem.
std::size_t keys_in(const fs::path& out)
{
    std::size_t keys = 0;
    if (fs::exists(out))
        for (const auto& e : fs::directory_iterator(out))
            if (e.is_directory() && fs::exists(e.path() / "key.pem"))
                ++keys;
    return keys;
}

} // namespace

TEST_CASE("fleet: 50 devices against ascep-testca, then a re-run that changes nothing")
{
    fleet_fixture f({});
    write_manifest(f.dir.file("devices.csv"), 50);

    auto r = f.ascep(f.fleet_args("devices.csv", "out", {"--jsonl", "--report", f.path("report.json")}));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    f.check_issued("out", 50);
    CHECK(count_of(r.output, "\"event\":\"issued\"") == 50);
    CHECK(r.errors.find("issued 50 / pending 0 / failed 0 / total 50") != std::string::npos);
    const auto report = slurp(f.dir.file("report.json"));
    CHECK(report.find("\"issued\":50") != std::string::npos);
    CHECK(report.find("\"failed\":0") != std::string::npos);
    CHECK(f.issued_at_ca() == 50);

    const auto before = snapshot(f.dir.file("out"));
    CHECK(before.size() == 50 * 4 + 2); // key, csr, cert, chain per device, the journal and .shard
    const auto first_success = std::stoll(slurp(f.dir.file("out") / ".last_success"));
    const auto rerun = f.ascep(f.fleet_args("devices.csv", "out", {"--jsonl"}));
    INFO(rerun.output << rerun.errors);
    CHECK(rerun.exit_code == 0);
    CHECK(count_of(rerun.output, "\"event\":\"skipped\"") == 50);
    CHECK(count_of(rerun.output, "\"event\":\"issued\"") == 0);
    CHECK(f.issued_at_ca() == 50); // nothing new was asked for
    CHECK(snapshot(f.dir.file("out")) == before); // not one file written, not even the journal
    CHECK(std::stoll(slurp(f.dir.file("out") / ".last_success")) >= first_success);
}

TEST_CASE("fleet: a bad manifest is reported by line before anything is sent")
{
    fleet_fixture f({});
    {
        std::ofstream out(f.dir.file("bad.csv"));
        out << "id,subject,ip\n"
               "ok-1,CN=ok-1,\n"
               "ok-1,CN=again,\n"
               "../evil,CN=x,\n"
               "bad-dn,XX=1,\n"
               "bad-ip,CN=y,10.0.0.300\n";
    }
    const auto r = f.ascep(f.fleet_args("bad.csv", "out"));
    INFO(r.errors);
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("line 3") != std::string::npos);
    CHECK(r.errors.find("line 4") != std::string::npos);
    CHECK(r.errors.find("line 5") != std::string::npos);
    CHECK(r.errors.find("line 6") != std::string::npos);
    CHECK(!fs::exists(f.dir.file("out")));
    CHECK(f.issued_at_ca() == 0);
}

TEST_CASE("fleet: a CA that does not match --ca-fingerprint gets nothing")
{
    fleet_fixture f({});
    write_manifest(f.dir.file("devices.csv"), 3);
    const std::string wrong(64, 'A');
    const auto r = f.ascep({"fleet", "--manifest", f.path("devices.csv"), "--out", f.path("out"), "-u", f.ca.url,
                            "--ca-fingerprint", wrong, "--progress", "none"});
    INFO(r.errors);
    CHECK(r.exit_code == 97);
    CHECK(r.errors.find("--ca-fingerprint") != std::string::npos);
    CHECK(!fs::exists(f.dir.file("out") / "dev-0001"));

    // The right fingerprint, with colons as `ascep getca -F sha256` prints it.
    const auto fp = f.ascep({"getca", "-u", f.ca.url, "-c", f.path("ca2.crt"), "-F", "sha256"});
    const auto at = fp.output.find("fingerprint: ");
    REQUIRE(at != std::string::npos);
    const auto right = fp.output.substr(at + 13, 95);
    const auto ok = f.ascep({"fleet", "--manifest", f.path("devices.csv"), "--out", f.path("out"), "-u", f.ca.url,
                             "--ca-fingerprint", right, "--challenge", "pw", "--progress", "none"});
    INFO(ok.errors);
    CHECK(ok.exit_code == 0);
    f.check_issued("out", 3);
}

TEST_CASE("fleet: 300 devices, PENDING twice each, killed -9 three times, resume to the end")
{
    fleet_fixture f({"--pending", "2"});
    write_manifest(f.dir.file("devices.csv"), 300);
    const auto args = f.fleet_args("devices.csv", "out", {"-t", "1", "--concurrency", "32", "--bits", "1024"});
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), ASCEP_PATH);

    std::map<std::string, std::string> keys_seen;
    auto remember_keys = [&] {
        for (const auto& e : fs::directory_iterator(f.dir.file("out"))) {
            if (!e.is_directory() || !fs::exists(e.path() / "key.pem"))
                continue;
            const auto id = e.path().filename().string();
            const auto hash = sha256_of(slurp(e.path() / "key.pem"));
            auto [it, fresh] = keys_seen.emplace(id, hash);
            if (!fresh)
                CHECK(it->second == hash); // never regenerated
        }
    };
    const auto out = f.dir.file("out");
    const auto journal = out / "journal.jsonl";
    const auto records = [&](const char* state) {
        return fs::exists(journal) ? count_of(slurp(journal), std::string("\"state\":\"") + state + "\"") : 0;
    };
    for (int kill_no = 0; kill_no < 3; ++kill_no) {
        // The journal only grows here: it is compacted at start only past
        // 2 records a device, and these runs are stopped well before that.
        const auto requested_before = records("requested");
        const auto pending_before = records("pending");
        test::background_process run(argv, f.dir.file("fleet.log"));
        // Kill at different stages, each waited for: key generation (a key
        // stored), requests (one more on record), polling (20 more PENDING
        // replies).
        const bool reached = wait_until(
            [&] {
                switch (kill_no) {
                case 0: return keys_in(out) >= 1;
                case 1: return records("requested") > requested_before;
                default: return records("pending") >= pending_before + 20;
                }
            },
            std::chrono::seconds(120));
        run.signal(SIGKILL);
        CHECK(run.wait_exit() == 128 + SIGKILL);
        REQUIRE(reached);
        remember_keys();
    }
    const auto r = f.ascep(args);
    INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
    REQUIRE(r.exit_code == 0);
    remember_keys();
    CHECK(keys_seen.size() == 300);
    f.check_issued("out", 300);
    // One certificate per device at the CA: no request was repeated into a
    // second issuance.
    CHECK(f.issued_at_ca() == 300);
}

namespace {

/// The journal's lines, each with its newline.
std::vector<std::string> journal_lines(const fs::path& journal)
{
    std::vector<std::string> lines;
    std::istringstream in(slurp(journal));
    for (std::string line; std::getline(in, line);)
        lines.push_back(line + "\n");
    return lines;
}

std::string field_of(const std::string& line, const std::string& key)
{
    const auto at = line.find("\"" + key + "\":\"");
    if (at == std::string::npos)
        return {};
    const auto from = at + key.size() + 4;
    return line.substr(from, line.find('"', from) - from);
}

/// Runs `argv` with ASCEP_TEST_CRASH_AT=point (io/crash_point.hpp).
int run_crashing_at(const std::vector<std::string>& argv, const char* point, const fs::path& log)
{
    ::setenv("ASCEP_TEST_CRASH_AT", point, 1);
    test::background_process run(argv, log);
    ::unsetenv("ASCEP_TEST_CRASH_AT");
    return run.wait_exit();
}

} // namespace

TEST_CASE("fleet: kill -9 during journal compaction, before and after the rename; the re-run resumes")
{
    // PENDING to the request and three polls, then issued.
    fleet_fixture f({"--pending", "4"});
    write_manifest(f.dir.file("devices.csv"), 4);
    auto args = f.fleet_args("devices.csv", "out", {"-t", "1", "--bits", "1024", "--jsonl"});
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), ASCEP_PATH);
    const auto journal = f.dir.file("out") / "journal.jsonl";

    // The request and one poll: requested, pending, pending at the limit.
    auto first = args;
    first.insert(first.end(), {"-n", "2"});
    const auto r1 = f.ascep(first);
    INFO(r1.errors);
    REQUIRE(r1.exit_code == 3);
    const auto before = journal_lines(journal);
    REQUIRE(before.size() == 12); // more than twice the 4 devices: the next run compacts
    std::map<std::string, std::string> last_line;
    std::vector<std::string> last_in_order;
    for (const auto& line : before)
        last_line[field_of(line, "id")] = line;
    for (const auto& line : before)
        if (last_line[field_of(line, "id")] == line)
            last_in_order.push_back(line);
    REQUIRE(last_in_order.size() == 4);
    std::map<std::string, std::string> keys;
    for (const auto& [id, line] : last_line) {
        CHECK(field_of(line, "state") == "pending");
        keys[id] = sha256_of(slurp(f.dir.file("out") / id / "key.pem"));
    }

    // Killed with the compacted copy written, the old journal in place.
    CHECK(run_crashing_at(argv, "journal-compaction-before-rename", f.dir.file("crash1.log")) == 128 + SIGKILL);
    CHECK(journal_lines(journal) == before);
    // Killed right after the rename: the journal is the compacted one, each
    // device's last line byte for byte, in the same order.
    CHECK(run_crashing_at(argv, "journal-compaction-after-rename", f.dir.file("crash2.log")) == 128 + SIGKILL);
    CHECK(journal_lines(journal) == last_in_order);
    CHECK_FALSE(fs::exists(f.dir.file("out") / "journal.jsonl.compacting"));

    // The re-run polls the same transactions to the end: no new request,
    // no new key, one certificate per device.
    const auto r = f.ascep(args);
    INFO(r.errors);
    CHECK(r.exit_code == 0);
    f.check_issued("out", 4);
    CHECK(f.issued_at_ca() == 4);
    const auto after = journal_lines(journal);
    REQUIRE(after.size() >= 8);
    for (std::size_t i = 4; i < after.size(); ++i) {
        INFO(after[i]);
        CHECK(field_of(after[i], "state") != "requested");
        CHECK(field_of(after[i], "transaction_id") == field_of(last_line[field_of(after[i], "id")], "transaction_id"));
    }
    CHECK(count_of(r.output, "\"event\":\"issued\"") == 4);
    for (const auto& [id, hash] : keys)
        CHECK(sha256_of(slurp(f.dir.file("out") / id / "key.pem")) == hash);
}

TEST_CASE("fleet: SIGINT stops polling, exits 130, and a re-run resumes")
{
    fleet_fixture f({"--pending", "3"});
    write_manifest(f.dir.file("devices.csv"), 40);
    auto args = f.fleet_args("devices.csv", "out", {"-t", "2", "--bits", "1024", "--jsonl"});
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), ASCEP_PATH);
    const auto log = f.dir.file("sigint.log");
    test::background_process run(argv, log);
    // Every device has had a PENDING reply: all 40 wait between polls (or
    // the first have finished), so the signal lands in the waits.
    const auto journal = f.dir.file("out") / "journal.jsonl";
    const bool all_pending = wait_until(
        [&] {
            std::set<std::string> pending;
            for (const auto& line : journal_lines(journal))
                if (field_of(line, "state") == "pending")
                    pending.insert(field_of(line, "id"));
            return pending.size() == 40;
        },
        std::chrono::seconds(120));
    const auto sent = std::chrono::steady_clock::now();
    run.signal(SIGINT);
    CHECK(run.wait_exit() == 130);
    REQUIRE(all_pending);
    const auto took = std::chrono::steady_clock::now() - sent;
    // Waits end at once and in-flight requests get the 5 s grace period; the
    // bound (2x plus a second) only catches a run that polls on.
    CHECK(took < std::chrono::seconds(11));
    const auto text = slurp(log);
    INFO(text.substr(text.size() > 3000 ? text.size() - 3000 : 0));
    CHECK(text.find("SIGINT: stopping") != std::string::npos);
    CHECK(text.find("interrupted") != std::string::npos);

    const auto r = f.ascep(args);
    INFO(r.errors);
    CHECK(r.exit_code == 0);
    f.check_issued("out", 40);
    CHECK(f.issued_at_ca() == 40);
}

TEST_CASE("fleet: --jsonl through a pipe delivers every event within a second of its time_ms")
{
    // Devices stay PENDING for three polls one second apart, so a "pending"
    // event that waits in a buffer until the end shows up seconds late.
    fleet_fixture f({"--pending", "3"});
    write_manifest(f.dir.file("devices.csv"), 12);
    auto argv = f.fleet_args("devices.csv", "out", {"-t", "1", "--bits", "1024", "--jsonl"});
    argv.insert(argv.begin(), ASCEP_PATH);
    const auto now_ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    std::vector<std::pair<std::string, std::int64_t>> received;
    const auto r = test::run_process(argv, [&](const std::string& line) { received.emplace_back(line, now_ms()); });
    INFO(r.errors);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, int> events;
    for (const auto& [line, at] : received) {
        INFO(line);
        const auto key = line.find("\"time_ms\":");
        REQUIRE(key != std::string::npos);
        const auto stamped = std::stoll(line.substr(key + 10));
        CHECK(at - stamped <= 1000);
        CHECK(at - stamped >= -100); // the same clock: an event is not received before it happened
        const auto e = line.find("\"event\":\"");
        REQUIRE(e != std::string::npos);
        ++events[line.substr(e + 9, line.find('"', e + 9) - (e + 9))];
    }
    CHECK(events["pending"] == 12);
    CHECK(events["issued"] == 12);
    CHECK(received.size() == 24);
}

TEST_CASE("fleet: still PENDING at the poll limit exits 3; a FAILURE exits 2")
{
    SECTION("pending")
    {
        fleet_fixture f({"--pending", "100"});
        write_manifest(f.dir.file("devices.csv"), 5);
        const auto r = f.ascep(f.fleet_args("devices.csv", "out", {"-t", "1", "-n", "1", "--bits", "1024"}));
        INFO(r.errors);
        CHECK(r.exit_code == 3);
        CHECK(r.errors.find("pending 5") != std::string::npos);
    }
    SECTION("rejected; a re-run does not ask again without --retry-failed")
    {
        fleet_fixture f({"--reject"});
        write_manifest(f.dir.file("devices.csv"), 4);
        const auto r = f.ascep(f.fleet_args("devices.csv", "out", {"--bits", "1024", "--report", f.path("r.json")}));
        INFO(r.errors);
        CHECK(r.exit_code == 2);
        CHECK(slurp(f.dir.file("r.json")).find("failInfo") != std::string::npos);
        const auto again = f.ascep(f.fleet_args("devices.csv", "out", {"--bits", "1024", "--jsonl"}));
        CHECK(again.exit_code == 2);
        CHECK(count_of(again.output, "earlier run") == 4); // not retried without --retry-failed
    }
}

TEST_CASE("fleet: devices waiting to poll keep -n and -T as enroll does, and never get a new key")
{
    fleet_fixture f({"--pending", "1000"});
    write_manifest(f.dir.file("devices.csv"), 4);

    SECTION("-n 3: the request and two polls per device")
    {
        const auto r = f.ascep(f.fleet_args("devices.csv", "out",
                                            {"-t", "1", "-n", "3", "--bits", "1024", "--report", f.path("r.json")}));
        INFO(r.errors);
        CHECK(r.exit_code == 3);
        const auto report = slurp(f.dir.file("r.json"));
        INFO(report);
        CHECK(count_of(report, "\"status\":\"pending\"") == 4);
        CHECK(count_of(report, "\"messages\":3,") == 4);
    }
    SECTION("-T 2 cuts the 100 s poll interval short: one poll after 2 s, then done")
    {
        const auto started = std::chrono::steady_clock::now();
        const auto r = f.ascep(f.fleet_args("devices.csv", "out", {"-t", "100", "-T", "2", "--bits", "1024",
                                                                   "--report", f.path("r.json")}));
        const auto took = std::chrono::steady_clock::now() - started;
        INFO(r.errors);
        CHECK(r.exit_code == 3);
        CHECK(took >= std::chrono::seconds(2));
        CHECK(took < std::chrono::seconds(30));
        CHECK(count_of(slurp(f.dir.file("r.json")), "\"messages\":2,") == 4);
    }
    SECTION("a key.pem removed between runs while its request is PENDING fails that device; no new key")
    {
        const auto args = f.fleet_args("devices.csv", "out", {"-n", "1", "--bits", "1024", "--jsonl"});
        REQUIRE(f.ascep(args).exit_code == 3);
        const auto key = f.dir.file("out") / "dev-0003" / "key.pem";
        REQUIRE(fs::remove(key));
        const auto r = f.ascep(args);
        INFO(r.errors);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find("is missing, but an earlier run's request for it is PENDING") != std::string::npos);
        CHECK_FALSE(fs::exists(key));
        CHECK(r.errors.find("failed 1") != std::string::npos);
    }
    SECTION("a key.pem removed while its device waits fails that device; no new key is made")
    {
        auto args = f.fleet_args("devices.csv", "out", {"-t", "2", "-n", "4", "--bits", "1024", "--jsonl"});
        args.insert(args.begin(), ASCEP_PATH);
        const auto log = f.dir.file("run.log");
        test::background_process run(args, log);
        const auto key = f.dir.file("out") / "dev-0002" / "key.pem";
        const auto journal = f.dir.file("out") / "journal.jsonl";
        const bool parked = wait_until(
            [&] { return count_of(fs::exists(journal) ? slurp(journal) : std::string(), "\"state\":\"pending\"") >= 4; },
            std::chrono::seconds(120));
        REQUIRE(parked);
        REQUIRE(fs::remove(key)); // parked now: its next poll is about 2 s away
        const int code = run.wait_exit();
        const auto text = slurp(log);
        INFO(text);
        CHECK(code == 2); // failed beats pending
        CHECK(text.find("disappeared while the device waited to poll") != std::string::npos);
        CHECK_FALSE(fs::exists(key));
        CHECK(count_of(text, "\"event\":\"failed\"") == 1);
        CHECK(count_of(text, "still PENDING at the poll limits") == 3); // the other three polled on
    }
}

TEST_CASE("fleet: SIGINT while keys are still being generated stops without generating the rest")
{
    fleet_fixture f({});
    write_manifest(f.dir.file("devices.csv"), 80);
    // One key thread and 4096-bit keys: generating them all would take far longer than the test allows.
    auto args = f.fleet_args("devices.csv", "out", {"--bits", "4096", "--crypto-threads", "1"});
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), ASCEP_PATH);
    const auto log = f.dir.file("keygen.log");
    test::background_process run(argv, log);
    // Generation is under way once the first key is stored.
    const auto out = f.dir.file("out");
    const bool generating = wait_until([&] { return keys_in(out) >= 1; }, std::chrono::seconds(120));
    const auto keys_at_signal = keys_in(out);
    run.signal(SIGINT);
    const int code = run.wait_exit();
    INFO(slurp(log));
    REQUIRE(generating);
    CHECK(code == 130);
    // At most the key in progress is finished, and one more that may have
    // been stored between the count and the signal; not the other 70-odd.
    CHECK(keys_in(out) <= keys_at_signal + 2);
    CHECK(slurp(log).find("not finished (run the same command again to resume)") != std::string::npos);
}

TEST_CASE("fleet: requests in flight get the grace period after SIGINT; a second SIGINT ends them at once")
{
    // A CA that answers GetCACaps and never answers a PKIOperation: the
    // requests stay in flight until the grace period or a second signal.
    std::atomic<int> operations{0};
    test::http_server_options opts;
    opts.handler = [&operations](const test::recorded_request& r) -> std::optional<test::scripted_response> {
        if (r.target.find("operation=GetCACaps") != std::string::npos) {
            const std::string caps = "POSTPKIOperation\nSHA-256\nAES\n";
            return test::scripted_response{200, "text/plain", {caps.begin(), caps.end()}};
        }
        if (r.target.find("operation=PKIOperation") != std::string::npos)
            ++operations;
        return std::nullopt; // the path is /stall: read, never answered
    };
    test::threaded_http_server stalling(std::move(opts));
    test::temp_dir dir;
    const auto ca = test::self_signed("Stalling CA");
    {
        std::ofstream out(dir.file("ca.pem"));
        out << Botan::PEM_Code::encode(ca.cert.BER_encode(), "CERTIFICATE");
    }
    write_manifest(dir.file("devices.csv"), 3);
    const std::vector<std::string> argv{ASCEP_PATH, "fleet", "--manifest", dir.file("devices.csv").string(),
                                        "--out", dir.file("out").string(), "-u", stalling.server.url("/stall"),
                                        "-c", dir.file("ca.pem").string(), "--timeout", "60", "--bits", "1024",
                                        "--progress", "plain"};

    auto run_until_sent = [&](const char* log) {
        operations = 0;
        auto run = std::make_unique<test::background_process>(argv, dir.file(log));
        const bool sent = wait_until([&] { return operations >= 3; }, std::chrono::seconds(120));
        if (!sent)
            run->signal(SIGKILL);
        REQUIRE(sent);
        REQUIRE(operations == 3);
        return run;
    };

    SECTION("one SIGINT: in-flight requests get the 5 s grace period, then 130")
    {
        const auto run = run_until_sent("one.log");
        const auto sent = std::chrono::steady_clock::now();
        run->signal(SIGINT);
        CHECK(run->wait_exit() == 130);
        const auto took = std::chrono::steady_clock::now() - sent;
        CHECK(took >= std::chrono::milliseconds(4500));
        CHECK(took < std::chrono::seconds(15));
        CHECK(slurp(dir.file("one.log")).find("SIGINT: stopping") != std::string::npos);
    }
    SECTION("a second SIGINT: 130 at once")
    {
        const auto run = run_until_sent("two.log");
        const auto first = std::chrono::steady_clock::now();
        run->signal(SIGINT);
        // The second signal once the first has been handled.
        const bool stopping = wait_until(
            [&] { return slurp(dir.file("two.log")).find("SIGINT: stopping") != std::string::npos; },
            std::chrono::seconds(60));
        run->signal(SIGINT);
        CHECK(run->wait_exit() == 130);
        REQUIRE(stopping);
        // Before the 5 s grace period could have ended it (a timer never
        // fires early): the second signal did.
        CHECK(std::chrono::steady_clock::now() - first < std::chrono::milliseconds(4900));
        const auto text = slurp(dir.file("two.log"));
        INFO(text);
        CHECK(text.find("3 not finished") != std::string::npos);
    }
}
