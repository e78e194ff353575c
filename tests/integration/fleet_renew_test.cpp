// ascep fleet --renew-within end to end: the binary against a real
// ascep-testca, fleets enrolled with short certificates and then renewed,
// killed -9 at random moments of the renewal run and run again; every pair
// checked on disk, at the CA (its list of issued certificates) and in the
// journal.
#include "cert_serial.hpp"
#include "manifest_file.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <botan/bigint.h>
#include <botan/data_src.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace ascep;
using test::count_of;
using test::slurp;
namespace fs = std::filesystem;

namespace {

std::string device_id(std::size_t i)
{
    return test::manifest_id(i);
}

std::string sha256_of(const std::string& text)
{
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(text);
    return Botan::hex_encode(h->final_stdvec());
}

/// The lines of `text` that hold every one of `parts`.
std::size_t lines_with(const std::string& text, const std::vector<std::string>& parts)
{
    std::size_t n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        bool all = true;
        for (const auto& p : parts)
            all = all && line.find(p) != std::string::npos;
        n += all ? 1 : 0;
    }
    return n;
}

/// Each device's last journal state and transactionID.
std::map<std::string, std::pair<std::string, std::string>> last_states(const fs::path& journal)
{
    std::map<std::string, std::pair<std::string, std::string>> out;
    std::istringstream in(slurp(journal));
    const auto field = [](const std::string& line, const std::string& key) {
        const auto at = line.find("\"" + key + "\":\"");
        if (at == std::string::npos)
            return std::string();
        const auto from = at + key.size() + 4;
        return line.substr(from, line.find('"', from) - from);
    };
    for (std::string line; std::getline(in, line);)
        out[field(line, "id")] = {field(line, "state"), field(line, "transaction_id")};
    return out;
}

/// The test CA without a challenge: a renewal signed by a certificate it
/// issued needs none, and the first enrollment then needs none either.
struct renew_fixture {
    test::temp_dir dir;
    test::testca_process ca;
    std::size_t devices;

    renew_fixture(std::vector<std::string> ca_opts, std::size_t n)
        : ca(ASCEP_TESTCA_PATH, dir, std::move(ca_opts)), devices(n)
    {
        const auto r = test::run_process({ASCEP_PATH, "getca", "-u", ca.url, "-c", path("ca.crt")});
        REQUIRE(r.exit_code == 0);
        test::write_manifest(dir.file("devices.csv"), n, {.organization = "Renew Test", .dns = false});
    }

    std::string path(const std::string& name) const { return dir.file(name).string(); }
    fs::path device_dir(std::size_t i) const { return dir.file("out") / device_id(i); }

    std::vector<std::string> fleet(std::vector<std::string> extra) const
    {
        std::vector<std::string> a{ASCEP_PATH, "fleet", "--manifest", path("devices.csv"), "--out", path("out"),
                                   "-u", ca.url, "-c", path("ca.crt"), "--bits", "1024", "--progress", "plain"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

    /// Serial of each device's cert.pem.
    std::map<std::string, std::string> serials() const
    {
        std::map<std::string, std::string> out;
        for (std::size_t i = 1; i <= devices; ++i)
            out[device_id(i)] = test::serial_of(device_dir(i) / "cert.pem");
        return out;
    }

    /// How many certificates the CA issued to each device (`ascep-testca list`).
    std::map<std::string, int> issued_at_ca() const
    {
        const auto r = ca.command({"list"});
        REQUIRE(r.exit_code == 0);
        std::map<std::string, int> out;
        const auto issued = r.output.substr(r.output.find("issued:"));
        for (std::size_t i = 1; i <= devices; ++i)
            out[device_id(i)] = static_cast<int>(count_of(issued, device_id(i)));
        return out;
    }

    /// Every device: a new certificate for its new key, the old pair in
    /// previous/, no file of the swap left, and a different serial.
    void check_renewed(const std::map<std::string, std::string>& old_serials, bool new_key) const
    {
        for (std::size_t i = 1; i <= devices; ++i) {
            const auto d = device_dir(i);
            INFO(d);
            Botan::DataSource_Stream key_src((d / "key.pem").string());
            const std::unique_ptr<Botan::Private_Key> key(Botan::PKCS8::load_key(key_src));
            const Botan::X509_Certificate cert((d / "cert.pem").string());
            CHECK(cert.subject_public_key_bitstring() == key->public_key_bits());
            CHECK(cert.subject_dn().get_first_attribute("CN") == device_id(i));
            const Botan::X509_Certificate old((d / "previous" / "cert.pem").string());
            Botan::DataSource_Stream old_key_src((d / "previous" / "key.pem").string());
            const std::unique_ptr<Botan::Private_Key> old_key(Botan::PKCS8::load_key(old_key_src));
            CHECK(old.subject_public_key_bitstring() == old_key->public_key_bits());
            CHECK(Botan::hex_encode(old.serial_number()) == old_serials.at(device_id(i)));
            CHECK(Botan::hex_encode(cert.serial_number()) != old_serials.at(device_id(i)));
            CHECK((key->public_key_bits() != old_key->public_key_bits()) == new_key);
            for (const char* gone : {"key.new.pem", "csr.new.pem", "cert.new.pem", "chain.new.pem"})
                CHECK_FALSE(fs::exists(d / gone));
        }
    }
};

/// transactionIDs of the renewal records (renewing, renewal_pending,
/// renewed), per device: one new key each.
std::map<std::string, std::set<std::string>> renewing_transactions(const fs::path& journal)
{
    std::map<std::string, std::set<std::string>> out;
    std::istringstream in(slurp(journal));
    for (std::string line; std::getline(in, line);) {
        // renewing, renewal_pending and renewed records all carry the new
        // key's transactionID; a compacted journal keeps only the last.
        if (line.find("\"state\":\"renew") == std::string::npos)
            continue;
        const auto id_at = line.find("\"id\":\"") + 6;
        const auto tid_at = line.find("\"transaction_id\":\"") + 18;
        out[line.substr(id_at, line.find('"', id_at) - id_at)].insert(line.substr(tid_at, line.find('"', tid_at) - tid_at));
    }
    return out;
}

/// Runs `argv`, reading its --jsonl events as they come, and kills it with
/// SIGKILL after `kill_after` renewal events ("pending" or "renewed").
/// Returns the exit status (128 + 9 when killed) and the events seen.
std::pair<int, std::size_t> run_and_kill(const std::vector<std::string>& argv, std::size_t kill_after)
{
    std::size_t events = 0;
    pid_t pid = -1;
    bool killed = false;
    const auto r = test::run_process(
        argv,
        [&](const std::string& line) {
            if (line.find("\"event\":\"renewed\"") != std::string::npos ||
                line.find("\"event\":\"pending\"") != std::string::npos)
                ++events;
            // The child is not reaped before run_process has read all its output.
            if (!killed && events >= kill_after) {
                ::kill(pid, SIGKILL);
                killed = true;
            }
        },
        [&](pid_t started) { pid = started; });
    return {r.exit_code, events};
}

} // namespace

TEST_CASE("fleet --renew-within: 100 devices issued for 2 days renewed within 3d; then nothing is due within 1d")
{
    renew_fixture f({"--validity", "2"}, 100);
    auto first = test::run_process(f.fleet({}));
    INFO(first.errors);
    REQUIRE(first.exit_code == 0);
    const auto old_serials = f.serials();

    const auto r = test::run_process(f.fleet({"--renew-within", "3d", "--jsonl", "--report", f.path("r.json")}));
    INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
    REQUIRE(r.exit_code == 0);
    CHECK(count_of(r.output, "\"event\":\"renewed\"") == 100);
    CHECK(count_of(r.output, "\"old_serial\":") == 100);
    CHECK(count_of(r.output, "\"not_after\":") == 100);
    CHECK(r.errors.find("issued 100 (renewed 100) / pending 0 / failed 0") != std::string::npos);
    const auto report = slurp(f.dir.file("r.json"));
    CHECK(report.find("\"renewed\":100") != std::string::npos);
    CHECK(count_of(report, "\"status\":\"renewed\"") == 100);
    CHECK(count_of(report, "\"not_after\":") == 100);
    f.check_renewed(old_serials, true);
    for (const auto& [id, n] : f.issued_at_ca())
        CHECK(n == 2);
    // The journal: exactly one new key per device.
    const auto tids = renewing_transactions(f.dir.file("out") / "journal.jsonl");
    CHECK(tids.size() == 100);
    for (const auto& [id, set] : tids)
        CHECK(set.size() == 1);

    const auto again = test::run_process(f.fleet({"--renew-within", "1d", "--jsonl"}));
    INFO(again.errors);
    CHECK(again.exit_code == 0);
    CHECK(count_of(again.output, "\"event\":\"renewed\"") == 0);
    CHECK(count_of(again.output, "\"event\":\"skipped\"") == 100);
    for (const auto& [id, n] : f.issued_at_ca())
        CHECK(n == 2);
}

TEST_CASE("fleet --renew-within --reuse-key against a CA without Renewal: PKCSReq signed by the current pair")
{
    // No "Renewal" in GetCACaps: the request is a PKCSReq, signed by cert.pem.
    // --strict with a challenge: the renewal must carry the challenge too,
    // and the log names each request's signer, so a self-signed
    // re-enrollment cannot pass for a renewal.
    renew_fixture f({"--validity", "2", "--caps", "POSTPKIOperation,SHA-256,AES,SCEPStandard", "--challenge",
                     "fleet-pw-4711", "--strict"},
                    5);
    f.dir.write("challenge.txt", "fleet-pw-4711\n");
    const std::vector<std::string> challenge{"--challenge-file", f.path("challenge.txt")};
    REQUIRE(test::run_process(f.fleet(challenge)).exit_code == 0);
    const auto old_serials = f.serials();
    std::map<std::string, std::string> signers; // the testca serial of each device's current certificate
    for (std::size_t i = 1; i <= f.devices; ++i)
        signers[device_id(i)] = test::testca_serial_of(f.device_dir(i) / "cert.pem");
    const auto enrollment_log = slurp(f.ca.log()).size();
    auto renew_args = challenge;
    renew_args.insert(renew_args.end(), {"--renew-within", "3d", "--reuse-key", "--jsonl"});
    const auto r = test::run_process(f.fleet(renew_args));
    INFO(r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(count_of(r.output, "\"event\":\"renewed\"") == 5);
    f.check_renewed(old_serials, false);
    // The renewal's requests only: one PKCSReq per device, each signed by
    // that device's certificate, none self-signed, no RenewalReq.
    const auto renewal_log = slurp(f.ca.log()).substr(enrollment_log);
    INFO(renewal_log);
    CHECK(lines_with(renewal_log, {"PKIOperation PKCSReq"}) == 5);
    CHECK(lines_with(renewal_log, {"PKIOperation PKCSReq", "(self-signed)"}) == 0);
    for (const auto& [id, serial] : signers)
        CHECK(lines_with(renewal_log, {"PKIOperation PKCSReq", " new signer=" + serial + " (issued here) SUCCESS"}) ==
              1);
    CHECK(count_of(renewal_log, "RenewalReq") == 0);

    const auto bad = test::run_process(f.fleet({"--reuse-key"}));
    CHECK(bad.exit_code == 1);
    CHECK(bad.errors.find("--reuse-key needs --renew-within") != std::string::npos);
}

TEST_CASE("fleet --renew-within: 300 devices PENDING twice, the renewal killed -9 three times, resumed to the end")
{
    // Enrolled without PENDING (that path is fleet_test's); the renewals wait.
    renew_fixture f({"--validity", "2"}, 300);
    const auto enrolled = test::run_process(f.fleet({"--concurrency", "32"}));
    INFO(enrolled.errors.substr(enrolled.errors.size() > 2000 ? enrolled.errors.size() - 2000 : 0));
    REQUIRE(enrolled.exit_code == 0);
    const auto old_serials = f.serials();
    // Renewed certificates are good for 30 days: never due again in this test.
    // --strict: the log tells a resent RenewalReq from a CertPoll.
    f.ca.restart_with({"--pending", "2", "--validity", "30", "--strict"});

    const auto args = f.fleet({"--renew-within", "3d", "-t", "1", "--concurrency", "32", "--jsonl"});
    const char* seed_text = std::getenv("ASCEP_TEST_SEED");
    const auto seed = seed_text ? std::strtoull(seed_text, nullptr, 10) : std::random_device{}();
    std::cout << "fleet-renew: kill moments from seed " << seed << " (ASCEP_TEST_SEED to repeat)" << std::endl;
    std::mt19937_64 pick(seed);
    std::map<std::string, std::set<std::string>> new_keys; // every key.new.pem / new key.pem seen, per device
    // The journal's renewal transactions, gathered after every run: each run
    // starts by compacting the journal to one record per device, so what a
    // killed run wrote is read before the next run starts.
    std::map<std::string, std::set<std::string>> journal_tids;
    auto remember_keys = [&] {
        for (const auto& [id, set] : renewing_transactions(f.dir.file("out") / "journal.jsonl"))
            journal_tids[id].insert(set.begin(), set.end());
        for (std::size_t i = 1; i <= f.devices; ++i) {
            const auto d = f.device_dir(i);
            if (fs::exists(d / "key.new.pem"))
                new_keys[device_id(i)].insert(sha256_of(slurp(d / "key.new.pem")));
            if (fs::exists(d / "previous" / "key.pem") && fs::exists(d / "cert.pem") &&
                test::serial_of(d / "cert.pem") != old_serials.at(device_id(i)))
                new_keys[device_id(i)].insert(sha256_of(slurp(d / "key.pem")));
        }
    };
    // Devices PENDING at a kill (journal: renewal_pending) go on with
    // CertPoll in the next run, never by sending their RenewalReq again;
    // devices killed before their answer was journaled resend it.
    std::set<std::string> parked_tids;
    std::size_t log_at_kill = 0;
    std::size_t parked_seen = 0;
    auto note_parked = [&] {
        parked_tids.clear();
        for (const auto& [id, last] : last_states(f.dir.file("out") / "journal.jsonl"))
            if (last.first == "renewal_pending")
                parked_tids.insert(last.second);
        parked_seen += parked_tids.size();
        log_at_kill = slurp(f.ca.log()).size();
    };
    auto check_parked_polled = [&] {
        const auto since = slurp(f.ca.log()).substr(log_at_kill);
        for (const auto& tid : parked_tids) {
            INFO("parked at the kill: " << tid);
            CHECK(lines_with(since, {"PKIOperation RenewalReq tid=" + tid}) == 0);
        }
    };
    for (int kill_no = 0; kill_no < 3; ++kill_no) {
        // Each device gives a "pending" and a "renewed" event; kill somewhere
        // in the first half of what is left.
        std::size_t left = 0;
        for (std::size_t i = 1; i <= f.devices; ++i)
            if (!fs::exists(f.device_dir(i) / "previous" / "cert.pem"))
                ++left;
        const auto k = std::uniform_int_distribution<std::size_t>(1, std::max<std::size_t>(1, left))(pick);
        std::cout << "fleet-renew: kill " << kill_no + 1 << " after " << k << " renewal events" << std::endl;
        const auto [code, seen] = run_and_kill(args, k);
        INFO("kill " << kill_no + 1 << " after " << k << " events: exit " << code << ", " << seen << " events");
        CHECK(code == 128 + SIGKILL);
        check_parked_polled(); // the devices parked at the kill before this run
        remember_keys();
        note_parked();
    }
    const auto r = test::run_process(args);
    INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
    REQUIRE(r.exit_code == 0);
    check_parked_polled();
    remember_keys();

    f.check_renewed(old_serials, true);
    // The CA since its restart: RenewalReqs, each answered PENDING first.
    const auto ca_log = slurp(f.ca.log());
    CHECK(count_of(ca_log, "PKIOperation RenewalReq") >= 300);
    CHECK(count_of(ca_log, "PENDING (poll 0 of 2)") == 300);
    // One new RenewalReq per device; the rest of its messages are CertPolls
    // (parked devices) or resent RenewalReqs (answers lost to a kill), and
    // the devices parked at some kill make the test mean something.
    CHECK(lines_with(ca_log, {"PKIOperation RenewalReq", " new signer="}) == 300);
    CHECK(lines_with(ca_log, {"PKIOperation CertPoll", " poll signer="}) > 0);
    CHECK(parked_seen > 0);
    // At the CA: the first enrollment and exactly one renewal per device.
    for (const auto& [id, n] : f.issued_at_ca()) {
        INFO(id);
        CHECK(n == 2);
    }
    // No device made two new keys: one key.new.pem ever seen, the key in
    // place now, and one transactionID in its journal's `renewing` records.
    REQUIRE(new_keys.size() == 300);
    for (const auto& [id, keys] : new_keys) {
        INFO(id);
        CHECK(keys.size() == 1);
    }
    CHECK(journal_tids.size() == 300);
    for (const auto& [id, set] : journal_tids) {
        INFO(id);
        CHECK(set.size() == 1);
    }
}
