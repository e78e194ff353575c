// ascep against ascep-testca --faults (issue 21): one CA process whose
// profiles each inject one fault (shared by every case of this program, so
// that the CA keys are made once). The transport faults and a 503 with
// Retry-After are survived by `ascep enroll` (run again, as a provisioning
// script does, until it completes: never a second certificate) and by one
// 300-device `ascep fleet` with its default retry settings; every forged
// SCEP reply is refused with the documented exit code, nothing is written,
// and the event log names the fault.
#include "ascep_workdir.hpp"
#include "fleet_fixture.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <set>

using namespace ascep;
using test::count_of;
using test::slurp;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const char* const challenge = "fault-pw";

/// Transport faults at probability 1 (a client meets them every time) and
/// at 0.5 (a client that asks again gets through), SCEP faults at 1, and
/// one profile with every transport fault now and then, for the fleet.
const std::vector<std::pair<std::string, std::string>> profiles = {
    {"delay", "--faults delay=1s"},
    {"trickle", "--faults trickle=1s"},
    {"http500", "--faults http500"},
    {"http503", "--faults http503=1"},
    {"close-before", "--faults close-before"},
    {"close-mid", "--faults close-mid"},
    {"truncate", "--faults truncate"},
    {"content-type", "--faults content-type"},
    {"http500-half", "--faults http500@0.5"},
    {"http503-half", "--faults http503=1@0.5"},
    {"close-before-half", "--faults close-before@0.5"},
    {"close-mid-half", "--faults close-mid@0.5"},
    {"truncate-half", "--faults truncate@0.5"},
    {"content-type-half", "--faults content-type@0.5"},
    {"pending-then-failure", "--faults pending-then-failure=1"},
    {"bad-signature", "--faults bad-signature"},
    {"wrong-nonce", "--faults wrong-nonce"},
    {"wrong-transaction-id", "--faults wrong-transaction-id"},
    {"wrong-key", "--faults wrong-key"},
    {"wrong-recipient", "--faults wrong-recipient"},
    {"no-ra", "--ra --faults no-ra"},
    {"fleet", "--faults delay=200ms@0.05,http500@0.03,http503=1@0.05,close-before@0.03,close-mid@0.03,"
              "truncate@0.03,content-type@0.03,trickle=300ms@0.02"},
};

/// The one CA of this program, started on first use.
struct fault_ca : test::ascep_workdir {
    test::testca_process ca;

    fault_ca() : ca(ASCEP_TESTCA_PATH, dir, options()) { dir.write("pw.txt", std::string(challenge) + "\n"); }

    static std::vector<std::string> options()
    {
        std::vector<std::string> o{"--seed", "21"};
        for (const auto& [name, flags] : profiles)
            o.insert(o.end(), {"--profile", name + ":--key-bits 1024 --challenge " + challenge + " " + flags});
        return o;
    }

    static fault_ca& get()
    {
        static fault_ca instance;
        return instance;
    }

    /// The CA certificates of `profile` (getca, against a profile without
    /// faults on GetCACert: the RA chain for no-ra comes from the state).
    std::string ca_file(const std::string& profile)
    {
        const auto file = path(profile + "-ca.crt");
        if (!exists(file) && !exists(file + "-0")) {
            if (profile == "no-ra") {
                // What a client that knows the RA would hold: the whole chain.
                std::string chain;
                for (const auto* n : {"ra-sign.crt", "ra-enc.crt", "ca.crt"})
                    chain += slurp(ca.state / profile / n);
                dir.write(profile + "-ca.crt", chain);
            } else {
                fs::copy(ca.state / profile / "ca.crt", file);
            }
        }
        return file;
    }

    /// A new key and CSR NAME.key/NAME.csr with the challenge.
    void make_request(const std::string& name)
    {
        const auto m = ascep({"mkrequest", "--prefix", path(name), "-dns", name + ".example.test",
                              "--challenge-file", path("pw.txt")});
        REQUIRE(m.exit_code == 0);
    }

    test::process_result enroll(const std::string& profile, const std::string& name)
    {
        return ascep({"enroll", "-u", ca.urls.at(profile), "-c", ca_file(profile), "-k", path(name + ".key"), "-r",
                      path(name + ".csr"), "-l", path(name + ".crt"), "-t", "1"});
    }

    /// The event lines of `profile` about transaction `tid` (all, when empty).
    std::vector<json::object> events(const std::string& profile, const std::string& tid = {}) const
    {
        std::vector<json::object> out;
        std::istringstream in(slurp(ca.state / "events.jsonl"));
        for (std::string line; std::getline(in, line);) {
            auto o = json::parse(line).as_object();
            if (!o.contains("profile") || o.at("profile").as_string() != profile)
                continue;
            if (!tid.empty() && (!o.contains("transactionID") || o.at("transactionID").as_string() != tid))
                continue;
            out.push_back(std::move(o));
        }
        return out;
    }

    std::size_t issued(const std::string& profile) const
    {
        const auto r = ca.command({"list", "--profile", profile});
        REQUIRE(r.exit_code == 0);
        return count_of(r.output, ")  valid  until");
    }

};

bool names_fault(const std::vector<json::object>& events, const std::string& fault)
{
    for (const auto& e : events)
        if (e.at("fault").is_string() && std::string(e.at("fault").as_string()).find(fault) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("transport faults met every time: ascep enroll exits with its network code and writes nothing")
{
    auto& f = fault_ca::get();
    for (const std::string fault : {"http500", "http503", "close-before", "close-mid", "truncate", "content-type"}) {
        INFO(fault);
        const auto name = "always-" + fault;
        f.make_request(name);
        const auto before = f.events(fault).size();
        const auto r = f.enroll(fault, name);
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 95);
        CHECK_FALSE(f.exists(name + ".crt"));
        const auto events = f.events(fault);
        CHECK(names_fault(events, fault));
        if (fault == "http503") {
            // A 503 with Retry-After is honoured: the same request after the
            // wait, three more times, then the error says so.
            CHECK(events.size() - before == 4);
            CHECK(r.errors.find("Retry-After 1 s; asked 4 times") != std::string::npos);
        }
    }
}

TEST_CASE("transport faults: delay and trickle are waited out; the others survived by running ascep enroll again")
{
    auto& f = fault_ca::get();
    for (const std::string fault : {"delay", "trickle"}) {
        INFO(fault);
        f.make_request("slow-" + fault);
        const auto r = f.enroll(fault, "slow-" + fault);
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 0);
        CHECK(names_fault(f.events(fault), fault));
    }
    for (const std::string fault :
         {"http500", "http503", "close-before", "close-mid", "truncate", "content-type"}) {
        const auto profile = fault + "-half";
        INFO(profile);
        const auto name = "half-" + fault;
        f.make_request(name);
        int runs = 0;
        for (; runs < 12; ++runs) {
            const auto r = f.enroll(profile, name);
            if (r.exit_code == 0)
                break;
            INFO(r.errors);
            CHECK(r.exit_code == 95); // a network error, whatever the fault
            CHECK_FALSE(f.exists(name + ".crt"));
        }
        CHECK(runs < 12);
        CHECK(f.exists(name + ".crt"));
        CHECK(f.issued(profile) == 1); // asked again and again: one certificate
    }
}

TEST_CASE("every forged SCEP reply is refused: documented exit code, nothing written, the event log names the fault")
{
    auto& f = fault_ca::get();
    const std::map<std::string, int> expected = {
        {"bad-signature", 97}, {"wrong-nonce", 97},     {"wrong-transaction-id", 97}, {"wrong-key", 97},
        {"wrong-recipient", 97}, {"no-ra", 97},          {"pending-then-failure", 72},
    };
    for (const auto& [fault, code] : expected) {
        INFO(fault);
        const auto name = "forged-" + fault;
        f.make_request(name);
        if (fault == "no-ra") {
            // GetCACert without the RA certificates: a client that takes
            // them from it cannot check the RA's reply.
            const auto g = f.ascep({"getca", "-u", f.ca.urls.at(fault), "-c", f.path("nora.crt")});
            REQUIRE(g.exit_code == 0);
            CHECK_FALSE(f.exists("nora.crt-1")); // the CA alone
            const auto r = f.ascep({"enroll", "-u", f.ca.urls.at(fault), "-c", f.path("nora.crt"), "-k",
                                    f.path(name + ".key"), "-r", f.path(name + ".csr"), "-l", f.path(name + ".crt")});
            INFO(r.output << r.errors);
            CHECK(r.exit_code == code);
        } else {
            const auto r = f.enroll(fault, name);
            INFO(r.output << r.errors);
            CHECK(r.exit_code == code);
        }
        CHECK_FALSE(f.exists(name + ".crt"));
        CHECK(names_fault(f.events(fault), fault));
    }
}

TEST_CASE("300-device ascep fleet with default retry settings through every transport fault: all issued, none twice")
{
    auto& f = fault_ca::get();
    test::write_manifest(f.dir.file("devices.csv"), 300);
    const auto r = f.ascep({"fleet", "--manifest", f.path("devices.csv"), "--out", f.path("fleet-out"), "-u",
                            f.ca.urls.at("fleet"), "-c", f.ca_file("fleet"), "--challenge-file", f.path("pw.txt"),
                            "--bits", "1024", "--progress", "none", "--jsonl"});
    INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
    CHECK(r.exit_code == 0);
    CHECK(count_of(r.output, "\"event\":\"issued\"") == 300);
    CHECK(count_of(r.output, "\"event\":\"failed\"") == 0);
    CHECK(f.issued("fleet") == 300);
    std::set<std::string> serials;
    for (std::size_t i = 1; i <= 300; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "dev-%04zu", i);
        serials.insert(Botan::hex_encode(
            Botan::X509_Certificate((f.dir.file("fleet-out") / id / "cert.pem").string()).serial_number()));
    }
    CHECK(serials.size() == 300);
    // Each fault was met.
    const auto events = f.events("fleet");
    for (const std::string fault :
         {"delay", "http500", "http503", "close-before", "close-mid", "truncate", "content-type", "trickle"}) {
        INFO(fault);
        CHECK(names_fault(events, fault));
    }
}

namespace {

/// What a client run came to, for the table.
std::string outcome(int exit_code, bool wrote_certificate)
{
    std::string out = "exit " + std::to_string(exit_code);
    if (exit_code == 124)
        out = "still running after 150 s (killed)";
    out += wrote_certificate ? ", **certificate written**" : ", nothing written";
    return out;
}

} // namespace

TEST_CASE("the fault table of docs/testca.md: ascep and the Debian scepclient against every fault, met every time")
{
    // Observed, not judged: this case fails only when a client cannot be
    // run at all. sscep is not packaged in Debian 12, so its column says so.
    auto& f = fault_ca::get();
    std::string table = "| fault | ascep enroll | Debian scepclient 2.1.0 | sscep |\n|-|-|-|-|\n";
    const std::vector<std::string> faults = {"delay", "trickle", "http500", "http503", "close-before", "close-mid",
                                             "truncate", "content-type", "pending-then-failure", "bad-signature",
                                             "wrong-nonce", "wrong-transaction-id", "wrong-key", "wrong-recipient",
                                             "no-ra"};
    for (const auto& fault : faults) {
        INFO(fault);
        const auto name = "table-" + fault;
        f.make_request(name);
        std::string ca_file = f.ca_file(fault);
        if (fault == "no-ra") {
            REQUIRE(f.ascep({"getca", "-u", f.ca.urls.at(fault), "-c", f.path("table-nora.crt")}).exit_code == 0);
            ca_file = f.path("table-nora.crt");
        }
        const auto a = f.ascep({"enroll", "-u", f.ca.urls.at(fault), "-c", ca_file, "-k", f.path(name + ".key"),
                                "-r", f.path(name + ".csr"), "-l", f.path(name + ".crt"), "-t", "1"});
        std::string sc = "not installed";
#ifdef ASCEP_HAVE_SCEPCLIENT
        const auto d = f.dir.file("sc-" + fault);
        fs::create_directories(d);
        const auto r = test::run_process({"sh", "-c", "cd '" + d.string() + "' && exec timeout 150 scepclient "
                                                      "-server-url '" + f.ca.urls.at(fault) +
                                                      "' -private-key k.pem -certificate c.pem -cn sc-" + fault +
                                                      " -challenge " + challenge});
        sc = outcome(r.exit_code, fs::exists(d / "c.pem"));
#endif
        table += "| `" + fault + "` | " + outcome(a.exit_code, f.exists(name + ".crt")) + " | " + sc +
                 " | not in Debian 12 |\n";
    }
    std::ofstream(ASCEP_FAULT_TABLE_PATH) << table;
    std::cout << "fault table (" << ASCEP_FAULT_TABLE_PATH << "):\n" << table << std::flush;
}
