// ascep fleet against the faults a provisioning run really meets (issue 13):
// the output disk fills up (a 300 KiB tmpfs in a private mount namespace,
// enlarged between two runs of the same command), the CA is killed and
// restarted three times during one run, and the CA dies after issuing a
// certificate and before answering (ascep-testca --crash-after-issue).
#include "background_process.hpp"
#include "cert_serial.hpp"
#include "fleet_fixture.hpp"
#include "fleet_in_background.hpp"
#include "text_files.hpp"

#include <botan/pem.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <unistd.h>

using namespace ascep;
using test::count_of;
using test::fleet_fixture;
using test::fleet_in_background;
using test::slurp;
using test::write_manifest;
namespace fs = std::filesystem;

namespace {

/// The journal's records as (id, state, transaction_id) triples, in order.
struct journal_line {
    std::string id, state, tid;
};

std::vector<journal_line> read_journal(const fs::path& file)
{
    std::vector<journal_line> out;
    std::istringstream in(slurp(file));
    for (std::string line; std::getline(in, line);) {
        INFO(line);
        REQUIRE(line.rfind("{\"id\":\"", 0) == 0);
        const auto id = test::text_after(line, "{\"id\":\"", "\"");
        const auto state = test::text_after(line, "\",\"state\":\"", "\"");
        const auto tid = test::text_after(line, "\",\"transaction_id\":\"", "\"");
        REQUIRE((id && state && tid));
        out.push_back({*id, *state, *tid});
    }
    return out;
}

/// A private mount namespace kept alive by `unshare -m sleep infinity`; the
/// test mounts into it and runs the fleet in it with nsenter, and sees its
/// files through /proc/PID/root. Needs root (CI runs as root).
class mount_namespace {
public:
    explicit mount_namespace(const fs::path& log)
    {
        if (::geteuid() != 0)
            FAIL("this test needs root for a private mount namespace with a tmpfs (unshare -m); CI runs as root");
        holder_.emplace(std::vector<std::string>{"/usr/bin/unshare", "-m", "--propagation", "private", "sleep",
                                                 "infinity"},
                        log);
        // unshare execs sleep in the new namespace: the namespace exists once
        // the holder's mount namespace differs from ours.
        const auto ours = fs::read_symlink("/proc/self/ns/mnt");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (;;) {
            std::error_code ec;
            const auto theirs = fs::read_symlink("/proc/" + std::to_string(holder_->pid()) + "/ns/mnt", ec);
            if (!ec && theirs != ours && slurp("/proc/" + std::to_string(holder_->pid()) + "/comm") == "sleep\n")
                break;
            if (!holder_->running() || std::chrono::steady_clock::now() > deadline)
                FAIL("unshare -m did not give a private mount namespace:\n" << slurp(log));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    std::vector<std::string> in_it(std::vector<std::string> argv) const
    {
        argv.insert(argv.begin(), {"/usr/bin/nsenter", "-t", std::to_string(holder_->pid()), "-m", "--"});
        return argv;
    }

    void run(std::vector<std::string> argv) const
    {
        const auto r = test::run_process(in_it(std::move(argv)));
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
    }

    /// `path` as the namespace sees it.
    fs::path seen(const fs::path& path) const
    {
        return fs::path("/proc") / std::to_string(holder_->pid()) / "root" / path.relative_path();
    }

private:
    std::optional<test::background_process> holder_; // killed by PID when the test ends
};

} // namespace

TEST_CASE("fleet: a full disk stops the run with exit 75; after space is freed the same command finishes it")
{
    fleet_fixture f({});
    write_manifest(f.dir.file("devices.csv"), 200);
    mount_namespace ns(f.dir.file("unshare.log"));
    const auto out = f.dir.file("out");
    fs::create_directory(out);
    ns.run({"mount", "-t", "tmpfs", "-o", "size=300k,mode=0700", "tmpfs", out.string()});
    const auto seen = ns.seen(out);

    auto args = f.fleet_args("devices.csv", "out", {"--bits", "1024", "--crypto-threads", "1", "--jsonl"});
    args.insert(args.begin(), ASCEP_PATH);
    const auto first = test::run_process(ns.in_it(args));
    INFO(first.errors.substr(first.errors.size() > 3000 ? first.errors.size() - 3000 : 0));
    CHECK(first.exit_code == 75);
    // One line says what happened, where, and what to do.
    const auto fault_line = test::text_after(first.errors, out.string() + "/: No space left on device; ", "\n");
    REQUIRE(fault_line);
    unsigned issued = 0, not_done = 0;
    int end = -1;
    CHECK(std::sscanf(fault_line->c_str(), "%u issued, %u not done; free space and run the same command again%n", &issued,
                      &not_done, &end) == 2);
    CHECK(end == static_cast<int>(fault_line->size()));
    CHECK(first.errors.find("warning: the journal") == std::string::npos);
    CHECK(count_of(first.output, "\"event\":\"failed\"") == 0);

    // What the first run left: no device journaled failed; every device it
    // started has its key on disk, but the one key that was being made when
    // the disk filled (one crypto thread); it stopped at once, not 200 keys later.
    const auto journal1 = read_journal(seen / "journal.jsonl");
    std::set<std::string> requested;
    for (const auto& r : journal1) {
        CHECK(r.state != "failed");
        if (r.state == "requested")
            requested.insert(r.id);
    }
    std::size_t started = 0, keys = 0, certs = 0;
    std::map<std::string, std::string> requested_keys;
    for (const auto& e : fs::directory_iterator(seen)) {
        if (!e.is_directory())
            continue;
        ++started;
        const auto key = e.path() / "key.pem";
        if (fs::exists(key))
            ++keys;
        if (fs::exists(e.path() / "cert.pem"))
            ++certs;
        if (requested.count(e.path().filename().string()) != 0) {
            REQUIRE(fs::exists(key)); // a key is on disk before its request leaves
            requested_keys[e.path().filename().string()] = slurp(key);
        }
    }
    const auto issued_after_first = f.issued_at_ca();
    WARN("first run: " << started << " devices started, " << keys << " keys stored, " << requested.size()
                       << " requests journaled, " << certs << " certificates written, " << issued_after_first
                       << " issued by the CA");
    CHECK(certs > 0);
    CHECK(certs < 200);
    CHECK(started - keys <= 1);
    // Stopped at once: a run that went on would start every device (a
    // directory and a key attempt each); at most the window of devices
    // worked on at once (68 here) was started.
    CHECK(started < 100);

    ns.run({"mount", "-o", "remount,size=8m", "tmpfs", out.string()});
    const auto second = test::run_process(ns.in_it(args));
    INFO(second.errors.substr(second.errors.size() > 3000 ? second.errors.size() - 3000 : 0));
    REQUIRE(second.exit_code == 0);
    f.check_issued_in(seen, 200);
    // Not one key regenerated whose request may have reached the CA, and
    // not one device issued twice: certificates the CA issued but the first
    // run could not write were asked for again and sent again.
    for (const auto& [id, key] : requested_keys) {
        INFO(id);
        CHECK(slurp(seen / id / "key.pem") == key);
    }
    CHECK(f.issued_at_ca() == 200);
    for (const auto& r : read_journal(seen / "journal.jsonl"))
        CHECK(r.state != "failed");
}

TEST_CASE("fleet: a CA killed -9 three times for 5-8 s is ridden out with the default retry settings")
{
    fleet_fixture f({});
    write_manifest(f.dir.file("devices.csv"), 300);
    auto args = f.fleet_args("devices.csv", "out", {"--bits", "1024", "--rate", "8", "--jsonl"});
    args.insert(args.begin(), ASCEP_PATH);
    fleet_in_background fleet(args);
    std::mt19937 pick(std::random_device{}());
    std::uniform_int_distribution<int> down_ms(5000, 8000);
    for (const std::size_t at : {40u, 110u, 180u}) {
        REQUIRE(fleet.wait_issued(at));
        f.ca.process->kill(SIGKILL);
        // The outage itself: the CA is gone for this long.
        std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(pick)));
        f.ca.start("127.0.0.1:" + std::to_string(f.ca.port));
    }
    const auto r = fleet.finish();
    INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
    CHECK(r.exit_code == 0);
    CHECK(count_of(r.output, "\"event\":\"retry\"") > 0); // the outages were met
    CHECK(count_of(r.output, "\"event\":\"failed\"") == 0);
    f.check_issued("out", 300);
    CHECK(f.issued_at_ca() == 300);
}

TEST_CASE("fleet: a CA that dies after issuing and before answering sends the same certificate to the retry")
{
    fleet_fixture f({"--crash-after-issue", "5"});
    // Started with the option: the fixture's getca issued nothing.
    write_manifest(f.dir.file("devices.csv"), 20);
    auto args = f.fleet_args("devices.csv", "out", {"--bits", "1024", "--concurrency", "1", "--jsonl"});
    args.insert(args.begin(), ASCEP_PATH);
    fleet_in_background fleet(args);

    // The CA dies on its own: wait for its exit, then start it again
    // without the option, on the same port and state.
    const auto log = f.ca.log();
    CHECK(f.ca.process->wait_exit() == 86);
    const std::string text = slurp(log);
    INFO(text);
    const auto serial = test::text_after(text, "--crash-after-issue 5: issued serial=").value_or("");
    const auto tid = test::text_after(text, "--crash-after-issue 5: issued serial=" + serial + " tid=").value_or("");
    REQUIRE(!serial.empty());
    REQUIRE(!tid.empty());
    CHECK(test::first_hex_run(serial, serial.size()) == serial);
    CHECK(test::first_hex_run(tid, tid.size()) == tid);
    f.ca.options = fleet_fixture::with_defaults({});
    f.ca.start("127.0.0.1:" + std::to_string(f.ca.port));

    const auto r = fleet.finish();
    INFO(r.errors);
    CHECK(r.exit_code == 0);
    f.check_issued("out", 20);
    CHECK(f.issued_at_ca() == 20);
    // The device of that transaction holds the certificate issued before the crash.
    std::string device;
    for (const auto& j : read_journal(f.dir.file("out") / "journal.jsonl"))
        if (j.tid == tid)
            device = j.id;
    REQUIRE_FALSE(device.empty());
    CHECK(test::testca_serial_of(f.dir.file("out") / device / "cert.pem") == serial);
}
