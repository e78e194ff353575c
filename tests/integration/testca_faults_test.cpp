// ascep against ascep-testca --faults (issue 21): one CA process whose
// profiles each inject one fault (shared by every case of this program, so
// that the CA keys are made once; a case that draws at a probability below 1
// uses profiles of its own, so the seeded draws it meets do not depend on the
// others). The transport faults and a 503 with Retry-After are survived by
// one run of `ascep enroll` with its default settings (a 503 by its
// Retry-After, a delay and a trickle by waiting, a 5xx or a dropped, cut or
// mislabelled reply by asking again within --retry-for: never a second
// certificate) and by one 300-device `ascep fleet` with its default retry
// settings; every forged SCEP reply is refused with the documented exit
// code, nothing is written, and the event log names the fault.
#include "ascep_workdir.hpp"
#include "background_process.hpp"
#include "fleet_in_background.hpp"
#include "manifest_file.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <boost/json.hpp>
#include <botan/data_src.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/x509cert.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

using namespace ascep;
using test::count_of;
using test::slurp;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const char* const challenge = "fault-pw";

/// The transport faults a client must survive, as named in --faults and in
/// the event log.
const std::vector<std::string> transport_faults = {"delay",        "trickle",   "http500",  "http503",
                                                   "close-before", "close-mid", "truncate", "content-type"};

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
    {"http503-half", "--faults http503=1@0.5"},
    {"http500-half", "--faults http500@0.5"},
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

    /// The CA certificates of `profile`, from its state directory (no
    /// GetCACert, which a fault could spoil); for no-ra the whole chain, as
    /// a client that knows the RA would hold it.
    std::string ca_file(const std::string& profile)
    {
        const auto file = path(profile + "-ca.crt");
        if (!exists(profile + "-ca.crt")) {
            std::string chain;
            if (profile == "no-ra")
                for (const auto* n : {"ra-sign.crt", "ra-enc.crt"})
                    chain += slurp(ca.state / profile / n);
            chain += slurp(ca.state / profile / "ca.crt");
            dir.write(profile + "-ca.crt", chain);
        }
        return file;
    }

    /// A new key and CSR NAME.key/NAME.csr with the challenge, and an empty
    /// directory NAME-out/ for what enroll writes.
    void make_request(const std::string& name)
    {
        const auto m = ascep({"mkrequest", "--prefix", path(name), "-dns", name + ".example.test",
                              "--challenge-file", path("pw.txt")});
        INFO(m.output << m.errors);
        REQUIRE(m.exit_code == 0);
        fs::create_directories(dir.file(name + "-out"));
    }

    /// What ascep enroll wrote: NAME-out/ holds only the certificate, if anything.
    std::string certificate_of(const std::string& name) const { return path(name + "-out/cert.pem"); }

    std::vector<std::string> written(const std::string& name) const
    {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir.file(name + "-out")))
            out.push_back(e.path().filename().string());
        return out;
    }

    /// ascep enroll at `profile` with its default settings (its --retry-for
    /// included), plus `extra`.
    test::process_result enroll(const std::string& profile, const std::string& name, const std::string& ca_certs = {},
                                const std::vector<std::string>& extra = {})
    {
        std::vector<std::string> argv{"enroll", "-u", ca.urls.at(profile), "-c",
                                      ca_certs.empty() ? ca_file(profile) : ca_certs,
                                      "-k", path(name + ".key"), "-r", path(name + ".csr"), "-l", certificate_of(name),
                                      "-t", "1"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return ascep(argv);
    }

    /// The event lines of `profile`.
    std::vector<json::object> events(const std::string& profile) const
    {
        std::vector<json::object> out;
        std::istringstream in(slurp(ca.state / "events.jsonl"));
        for (std::string line; std::getline(in, line);) {
            auto o = json::parse(line).as_object();
            if (!o.contains("profile") || o.at("profile").as_string() != profile)
                continue;
            out.push_back(std::move(o));
        }
        return out;
    }

    /// Valid certificates in `profile`'s state.
    std::size_t issued(const std::string& profile) const
    {
        const auto r = ca.command({"list", "--profile", profile});
        REQUIRE(r.exit_code == 0);
        return count_of(r.output, ")  valid  until");
    }
};

std::string field(const json::object& e, const char* name)
{
    const auto* v = e.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

/// The events whose fault list names `fault`.
std::vector<json::object> hit_by(const std::vector<json::object>& events, const std::string& fault)
{
    std::vector<json::object> out;
    for (const auto& e : events) {
        std::istringstream list(field(e, "fault"));
        for (std::string f; std::getline(list, f, ',');)
            if (f == fault)
                out.push_back(e);
    }
    return out;
}

/// Certificates the CA issued (not resent) per transactionID.
std::map<std::string, int> new_certificates(const std::vector<json::object>& events)
{
    std::map<std::string, int> out;
    for (const auto& e : events) {
        const auto result = field(e, "result");
        if (field(e, "messageType") == "PKCSReq" && result.rfind("SUCCESS serial=", 0) == 0 &&
            result.find("resent") == std::string::npos)
            ++out[field(e, "transactionID")];
    }
    return out;
}

/// The certificate at `cert` is for the key at `key`.
bool certifies(const fs::path& cert, const fs::path& key)
{
    Botan::DataSource_Stream src(key.string());
    const std::unique_ptr<Botan::Private_Key> k(Botan::PKCS8::load_key(src));
    return Botan::X509_Certificate(cert.string()).subject_public_key_bitstring() == k->public_key_bits();
}

} // namespace

TEST_CASE("transport faults met every time: ascep enroll --retry-for 0 exits 95, writes nothing; a 503 is asked again 3 times")
{
    auto& f = fault_ca::get();
    for (const std::string fault : {"http500", "http503", "close-before", "close-mid", "truncate", "content-type"}) {
        INFO(fault);
        const auto name = "always-" + fault;
        f.make_request(name);
        const auto before = f.events(fault).size();
        const auto r = f.enroll(fault, name, {}, {"--retry-for", "0"});
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 95);
        CHECK(f.written(name).empty());
        const auto events = f.events(fault);
        REQUIRE(events.size() > before);
        CHECK(hit_by(events, fault).size() == events.size());
        if (fault == "http503") {
            // Retry-After 1 honoured: the same GetCACaps after the wait,
            // three more times, then the error says so.
            CHECK(events.size() - before == 4);
            CHECK(r.errors.find("Retry-After 1 s; asked 4 times") != std::string::npos);
        }
        if (fault == "http500" || fault == "http503") {
            // A 5xx to GetCACaps is an error, not "no capabilities": the
            // client stops there instead of sending its request on a guess.
            for (std::size_t i = before; i < events.size(); ++i)
                CHECK(field(events[i], "operation") == "GetCACaps");
        }
    }
}

/// Whether one of `hits` is on an enrollment request (PKCSReq).
bool on_enrollment(const std::vector<json::object>& hits)
{
    for (const auto& e : hits)
        if (field(e, "messageType") == "PKCSReq")
            return true;
    return false;
}

/// Each transaction of `profile` got exactly one new certificate, and there
/// are `devices` of them; the CA's state holds as many.
void check_issued_once(fault_ca& f, const std::string& profile, std::size_t devices)
{
    const auto issued = new_certificates(f.events(profile));
    CHECK(issued.size() == devices);
    for (const auto& [tid, n] : issued) {
        INFO(tid);
        CHECK(n == 1);
    }
    CHECK(f.issued(profile) == devices);
}

// At probability 0.5 a device may get through untouched: devices are
// enrolled one after another until one met the fault (the seed makes the
// draws, and so the number of devices, the same on every run).
constexpr int max_devices = 8;

TEST_CASE("transport faults survived by ascep enroll: a 503 with Retry-After, a delay and a trickle in one run")
{
    auto& f = fault_ca::get();
    for (const std::string profile : {"http503-half", "delay", "trickle"}) {
        INFO(profile);
        const auto fault = profile.substr(0, profile.find("-half"));
        std::size_t met_before = 0;
        int devices = 0;
        bool met = false;
        while (!met && devices < max_devices) {
            const auto name = "survive-" + profile + "-" + std::to_string(devices++);
            f.make_request(name);
            const auto r = f.enroll(profile, name);
            INFO(r.output << r.errors);
            CHECK(r.exit_code == 0);
            CHECK(f.written(name) == std::vector<std::string>{"cert.pem"});
            CHECK(certifies(f.certificate_of(name), f.path(name + ".key")));
            const auto events = f.events(profile);
            const auto hits = hit_by(events, fault).size();
            met = hits > met_before;
            met_before = hits;
            // The run ended with a reply the fault did not touch (a 503 was
            // followed by the same request again).
            if (profile == "http503-half")
                CHECK(field(events.back(), "fault").empty());
        }
        CHECK(met);
        check_issued_once(f, profile, static_cast<std::size_t>(devices));
    }
}

TEST_CASE("transport faults met every time: ascep enroll asks again within --retry-for, then exits 95, nothing written")
{
    auto& f = fault_ca::get();
    for (const std::string fault : {"http500", "close-mid", "content-type"}) {
        INFO(fault);
        const auto name = "budget-" + fault;
        f.make_request(name);
        const auto before = f.events(fault).size();
        const auto started = std::chrono::steady_clock::now();
        const auto r = f.enroll(fault, name, {}, {"--retry-for", "4s"});
        const auto took = std::chrono::steady_clock::now() - started;
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 95);
        CHECK(f.written(name).empty());
        // Waits of 1 and 2 s end within 4 s of the first failure; the next
        // (4 s) would not: three attempts, two warnings, then the error.
        CHECK(count_of(r.errors, "; asking again in ") == 2);
        CHECK(r.errors.find("asking again in 1 s (--retry-for 4s)") != std::string::npos);
        CHECK(r.errors.find("asking again in 2 s (--retry-for 4s)") != std::string::npos);
        CHECK(took >= std::chrono::seconds(3));
        // Each request met the fault. A 500 or a cut reply to GetCACaps, the
        // first request, is asked again there: the client never sends its
        // PKCSReq on a guess. A mislabelled GetCACaps is still read (its
        // Content-Type says nothing of a text/plain list); the PKCSReq's
        // reply is refused and the PKCSReq sent again: the CA issued once
        // and sent the same certificate to the two repeats.
        const auto events = f.events(fault);
        const std::vector<json::object> fresh(events.begin() + static_cast<std::ptrdiff_t>(before), events.end());
        const bool on_request = fault == "content-type";
        REQUIRE(fresh.size() == (on_request ? 4u : 3u));
        for (std::size_t i = 0; i < fresh.size(); ++i) {
            INFO(i);
            CHECK(field(fresh[i], "operation") == (on_request && i > 0 ? "PKIOperation" : "GetCACaps"));
            CHECK(field(fresh[i], "fault").find(fault) != std::string::npos);
        }
        if (on_request) {
            const auto issued = new_certificates(fresh);
            REQUIRE(issued.size() == 1);
            CHECK(issued.begin()->second == 1);
            CHECK(field(fresh.back(), "result").find("resent") != std::string::npos);
        }
    }
}

TEST_CASE("transport faults survived by one run of ascep enroll with its default settings: one certificate each")
{
    auto& f = fault_ca::get();
    for (const std::string fault : {"http500", "close-before", "close-mid", "truncate", "content-type"}) {
        const auto profile = fault + "-half";
        INFO(profile);
        int devices = 0;
        bool met = false;
        while (!met && devices < max_devices) {
            const auto name = "again-" + fault + "-" + std::to_string(devices++);
            f.make_request(name);
            const auto r = f.enroll(profile, name);
            INFO(r.output << r.errors);
            REQUIRE(r.exit_code == 0);
            CHECK(f.written(name) == std::vector<std::string>{"cert.pem"});
            CHECK(certifies(f.certificate_of(name), f.path(name + ".key")));
            // http500 is not processed: any hit. The others spoil a processed
            // reply: they must have met the enrollment itself (the CA issued,
            // the client never saw it, and asked again).
            const auto hits = hit_by(f.events(profile), fault);
            met = fault == "http500" ? !hits.empty() : on_enrollment(hits);
            if (met)
                CHECK(r.errors.find("; asking again in 1 s (--retry-for 1m)") != std::string::npos);
        }
        CHECK(met);
        // Asked again within the run: one certificate per device, issued once.
        check_issued_once(f, profile, static_cast<std::size_t>(devices));
    }
}

TEST_CASE("ascep enroll does not wait for a CA it never reached, unless --retry-for is given")
{
    auto& f = fault_ca::get();
    f.make_request("unreached");
    // A port nothing listens on: connection refused.
    const auto url = "http://127.0.0.1:" + std::to_string(test::free_port()) + "/scep";
    const auto started = std::chrono::steady_clock::now();
    const auto quick = f.ascep({"enroll", "-u", url, "-c", f.ca_file("delay"), "-k", f.path("unreached.key"), "-r",
                                f.path("unreached.csr"), "-l", f.certificate_of("unreached")});
    INFO(quick.output << quick.errors);
    CHECK(quick.exit_code == 95);
    CHECK(quick.errors.find("asking again") == std::string::npos);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    const auto patient = f.ascep({"enroll", "-u", url, "-c", f.ca_file("delay"), "-k", f.path("unreached.key"), "-r",
                                  f.path("unreached.csr"), "-l", f.certificate_of("unreached"), "--retry-for", "2s"});
    INFO(patient.output << patient.errors);
    CHECK(patient.exit_code == 95);
    CHECK(count_of(patient.errors, "; asking again in 1 s (--retry-for 2s)") == 1);
    CHECK(f.written("unreached").empty());
}

TEST_CASE("every forged SCEP reply is refused: documented exit code, nothing written, the event log names the fault")
{
    auto& f = fault_ca::get();
    // docs/cli.md "Exit codes": 97 a reply that does not verify or match,
    // 72 FAILURE badRequest.
    const std::map<std::string, int> expected = {
        {"bad-signature", 97}, {"wrong-nonce", 97}, {"wrong-transaction-id", 97}, {"wrong-key", 97},
        {"wrong-recipient", 97}, {"no-ra", 97}, {"pending-then-failure", 72},
    };
    for (const auto& [fault, code] : expected) {
        INFO(fault);
        const auto name = "forged-" + fault;
        f.make_request(name);
        std::string ca_certs;
        if (fault == "no-ra") {
            // GetCACert without the RA certificates: a client that takes
            // them from it cannot check the RA's reply.
            const auto g = f.ascep({"getca", "-u", f.ca.urls.at(fault), "-c", f.path("nora.crt")});
            INFO(g.output << g.errors);
            REQUIRE(g.exit_code == 0);
            CHECK_FALSE(f.exists("nora.crt-1")); // the CA alone
            ca_certs = f.path("nora.crt");
        }
        const auto r = f.enroll(fault, name, ca_certs);
        INFO(r.output << r.errors);
        CHECK(r.exit_code == code);
        CHECK(f.written(name).empty());
        const auto events = f.events(fault);
        const auto hits = hit_by(events, fault);
        REQUIRE_FALSE(hits.empty());
        if (fault == "no-ra") {
            CHECK(field(hits.front(), "operation") == "GetCACert");
        } else {
            bool on_pki = false;
            for (const auto& e : hits)
                on_pki = on_pki || field(e, "operation") == "PKIOperation";
            CHECK(on_pki);
        }
        if (fault == "pending-then-failure") {
            // Polled as the PENDING said, then the FAILURE.
            bool polled = false;
            for (const auto& e : events)
                polled = polled || field(e, "messageType") == "CertPoll";
            CHECK(polled);
            CHECK(field(events.back(), "result").rfind("FAILURE badRequest", 0) == 0);
        }
    }
}

TEST_CASE("300-device ascep fleet with default retry settings through every transport fault: all issued, none twice")
{
    auto& f = fault_ca::get();
    test::write_manifest(f.dir.file("devices.csv"), 300);
    // --bits 1024: 300 keys of 2048 bits under the sanitizers would be most
    // of the run; the retry settings are the defaults.
    const auto r = f.ascep({"fleet", "--manifest", f.path("devices.csv"), "--out", f.path("fleet-out"), "-u",
                            f.ca.urls.at("fleet"), "-c", f.ca_file("fleet"), "--challenge-file", f.path("pw.txt"),
                            "--bits", "1024", "--progress", "none", "--jsonl"});
    INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
    CHECK(r.exit_code == 0);
    CHECK(count_of(r.output, "\"event\":\"issued\"") == 300);
    CHECK(count_of(r.output, "\"event\":\"failed\"") == 0);

    // None twice: the CA holds 300 certificates, issued once each for 300
    // transactions, and every device holds one for its own key.
    CHECK(f.issued("fleet") == 300);
    const auto events = f.events("fleet");
    const auto issued = new_certificates(events);
    CHECK(issued.size() == 300);
    for (const auto& [tid, n] : issued) {
        INFO(tid);
        CHECK(n == 1);
    }
    std::set<std::string> serials;
    for (std::size_t i = 1; i <= 300; ++i) {
        const auto d = f.dir.file("fleet-out") / test::manifest_id(i);
        INFO(d);
        REQUIRE(fs::exists(d / "cert.pem"));
        CHECK(certifies(d / "cert.pem", d / "key.pem"));
        serials.insert(Botan::hex_encode(Botan::X509_Certificate((d / "cert.pem").string()).serial_number()));
    }
    CHECK(serials.size() == 300);

    // Each transport fault was met, on the enrollments themselves too.
    for (const auto& fault : transport_faults) {
        INFO(fault);
        const auto hits = hit_by(events, fault);
        CHECK_FALSE(hits.empty());
        bool on_request = false;
        for (const auto& e : hits)
            on_request = on_request || field(e, "operation") == "PKIOperation";
        CHECK(on_request);
    }
}

TEST_CASE("ascep fleet asks GetCACaps again at the start of a run: within --retry-for, then the error stands")
{
    auto& f = fault_ca::get();
    test::write_manifest(f.dir.file("setup.csv"), 3);
    const auto fleet = [&](const std::string& profile, const std::string& out, std::vector<std::string> extra) {
        std::vector<std::string> argv{"fleet", "--manifest", f.path("setup.csv"), "--out", f.path(out), "-u",
                                      f.ca.urls.at(profile), "-c", f.ca_file(profile), "--challenge-file",
                                      f.path("pw.txt"), "--bits", "1024", "--progress", "none"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return f.ascep(argv);
    };

    // Every GetCACaps answered 500: asked again after 1, 2 and 4 s (the
    // backoff), the last one starting within --retry-for 4s, then exit 95
    // before any device's request.
    const auto before = f.events("http500").size();
    const auto down = fleet("http500", "setup-down", {"--retry-for", "4s"});
    INFO(down.output << down.errors);
    CHECK(down.exit_code == 95);
    CHECK(down.errors.find("GetCACaps failed") != std::string::npos);
    CHECK(count_of(down.output + down.errors, "; trying again") == 3);
    const auto events = f.events("http500");
    CHECK(events.size() - before == 4);
    for (std::size_t i = before; i < events.size(); ++i)
        CHECK(field(events[i], "operation") == "GetCACaps");
}

TEST_CASE("ascep fleet started before its CA is up waits for it with the default settings: all issued")
{
    // A CA of its own, stopped: the run's GetCACaps meets a refused
    // connection, as when a pipeline starts the fleet and the CA together.
    test::ascep_workdir w;
    test::testca_process ca(ASCEP_TESTCA_PATH, w.dir, {"--key-bits", "1024", "--challenge", challenge});
    w.dir.write("pw.txt", std::string(challenge) + "\n");
    w.dir.write("ca.crt", slurp(ca.state / "ca.crt"));
    test::write_manifest(w.dir.file("late.csv"), 3);
    const auto port = ca.port;
    ca.process->kill(SIGTERM);
    ca.process.reset();

    test::fleet_in_background run({ASCEP_PATH, "fleet", "--manifest", w.path("late.csv"), "--out", w.path("out"), "-u",
                                   ca.url, "-c", w.path("ca.crt"), "--challenge-file", w.path("pw.txt"), "--bits",
                                   "1024", "--progress", "none", "--jsonl"});
    std::this_thread::sleep_for(std::chrono::seconds(2));
    ca.start("127.0.0.1:" + std::to_string(port));
    REQUIRE(run.wait_issued(3));
    const auto r = run.finish();
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.errors.find("GetCACaps failed: ") != std::string::npos);
    CHECK(r.errors.find("; trying again") != std::string::npos);
    CHECK(count_of(r.output, "\"event\":\"issued\"") == 3);
    const auto list = ca.command({"list"});
    CHECK(count_of(list.output, ")  valid  until") == 3);
}
