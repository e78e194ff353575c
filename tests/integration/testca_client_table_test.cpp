// The client table of docs/testca.md (issue 21): one ascep-testca with one
// profile per fault (every fault at probability 1, key-bits 1024) and one
// without; ascep enroll, the Debian scepclient and strongSwan's pki --scep
// each enroll at every profile with a fresh key, each run bounded by
// `timeout` (a client that hangs is a row "hung", not a stuck test). What
// each did (exit code, certificate written and whether it is right, the
// certificates the CA issued, the requests it sent, the time) is written as
// Markdown to ASCEP_CLIENT_TABLE_PATH, whose path is printed.
//
// Only ascep's part is asserted, and only what holds whether or not `enroll`
// retries transient errors within one run: every forged reply refused with
// the documented exit code and nothing written, never two certificates,
// never a wrong one, and a plain enrollment without faults. The other two
// clients are observed, not required to pass: what they get wrong is what
// the table is for.
#include "ascep_workdir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

using namespace ascep;
using test::slurp;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const char* const challenge = "table-pw";

/// Every client run is ended after this long (SIGTERM, then SIGKILL 5 s
/// later). Long enough for the Debian scepclient's two 30 s sleeps of
/// pending-then-failure.
constexpr int limit_seconds = 90;

struct fault_profile {
    std::string name;  // the profile, and the fault as docs/testca.md names it
    std::string flags; // its CA flags
    /// A spoiled SCEP reply: a client that writes a certificate took it.
    bool forged = false;
};

/// The rows, in the order of docs/testca.md's fault table, after a run
/// without faults. delay is 5 s (more than a client's reflex, well within
/// any sane deadline), trickle the default 1 s.
const std::vector<fault_profile> faults = {
    {"none", "", false},
    {"delay", "--faults delay=5s", false},
    {"http500", "--faults http500", false},
    {"http503", "--faults http503=1", false},
    {"close-before", "--faults close-before", false},
    {"close-mid", "--faults close-mid", false},
    {"truncate", "--faults truncate", false},
    {"content-type", "--faults content-type", false},
    {"trickle", "--faults trickle", false},
    {"pending-then-failure", "--faults pending-then-failure=1", false},
    {"bad-signature", "--faults bad-signature", true},
    {"wrong-nonce", "--faults wrong-nonce", true},
    {"wrong-transaction-id", "--faults wrong-transaction-id", true},
    {"wrong-key", "--faults wrong-key", true},
    {"wrong-recipient", "--faults wrong-recipient", true},
    {"no-ra", "--ra --faults no-ra", true},
};

enum class client_kind { ascep, scepclient, pki };

const std::vector<std::pair<client_kind, std::string>> clients = {
    {client_kind::ascep, "ascep enroll --retry-for 5s"},
    {client_kind::scepclient, "Debian scepclient"},
    {client_kind::pki, "strongSwan pki --scep"},
};

/// What one client did at one fault.
struct observation {
    int exit_code = -1;
    bool hung = false;
    double seconds = 0;
    /// The certificate file, when the client wrote one.
    std::optional<fs::path> certificate;
    bool is_certificate = false; // openssl reads it as one
    bool for_key = false;        // its public key is the request's
    bool verifies = false;       // openssl verify against the profile's CA
    /// Serials the CA issued during the run (SUCCESS in events.jsonl, new or resent).
    std::set<std::string> serials;
    /// The requests the client sent, in order, repeats counted: "GetCACaps, GetCACert, PKCSReq×3".
    std::string requests;
    /// Requests by kind (operation, or messageType for PKIOperation).
    std::map<std::string, int> request_counts;
    /// transactionIDs of the enrollment requests (PKCSReq) sent.
    std::set<std::string> transactions;
    /// The client's last line of stderr (or stdout): its own account.
    std::string said;

    bool right() const { return certificate && is_certificate && for_key && verifies; }
};

std::string field(const json::object& e, const char* name)
{
    const auto* v = e.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

/// The last non-empty line of `text`, or the last that names an error (the
/// Debian scepclient logs `error=null` after the one that says what went
/// wrong), without a leading `ts=TIME `, cut to 110 characters.
std::string last_line(const std::string& text)
{
    std::istringstream in(text);
    std::string last, last_error;
    for (std::string line; std::getline(in, line);) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        last = line;
        if (line.find("error=\"") != std::string::npos || line.find("err=\"") != std::string::npos)
            last_error = line;
    }
    if (!last_error.empty())
        last = last_error;
    if (last.rfind("ts=", 0) == 0 && last.find(' ') != std::string::npos)
        last = last.substr(last.find(' ') + 1);
    if (last.size() > 110)
        last = last.substr(0, 107) + "...";
    return last;
}

/// `text` with each `what` replaced by `with`.
std::string replaced(std::string text, const std::string& what, const std::string& with)
{
    for (auto at = text.find(what); !what.empty() && at != std::string::npos; at = text.find(what, at + with.size()))
        text.replace(at, what.size(), with);
    return text;
}

/// Public key of a certificate or a key file as openssl prints it (PEM);
/// empty when openssl cannot read it.
std::string public_key(const fs::path& file, bool certificate)
{
    const auto r = certificate
                       ? test::run_process({"openssl", "x509", "-in", file.string(), "-noout", "-pubkey"})
                       : test::run_process({"openssl", "pkey", "-in", file.string(), "-pubout"});
    return r.exit_code == 0 ? r.output : std::string();
}

/// The CA process of this program and the runs of each client.
struct table_ca : test::ascep_workdir {
    test::testca_process ca;

    table_ca() : ca(ASCEP_TESTCA_PATH, dir, options()) { dir.write("pw.txt", std::string(challenge) + "\n"); }

    static std::vector<std::string> options()
    {
        std::vector<std::string> o{"--seed", "21"};
        for (const auto& f : faults)
            o.insert(o.end(), {"--profile", f.name + ":--key-bits 1024 --challenge " + challenge + " " + f.flags});
        return o;
    }

    /// The profile's issuing CA certificate (PEM), from its state directory.
    fs::path ca_certificate(const std::string& profile) const { return ca.state / profile / "ca.crt"; }

    std::vector<json::object> events(const std::string& profile) const
    {
        std::vector<json::object> out;
        std::istringstream in(slurp(ca.state / "events.jsonl"));
        for (std::string line; std::getline(in, line);) {
            auto o = json::parse(line).as_object();
            if (o.contains("profile") && o.at("profile").as_string() == profile)
                out.push_back(std::move(o));
        }
        return out;
    }

    /// Runs `argv` in `cwd` under `timeout`, timed.
    static test::process_result timed(const std::vector<std::string>& argv, const fs::path& cwd, double& seconds)
    {
        std::vector<std::string> full{"env", "-C", cwd.string(), "timeout", "-k", "5",
                                      std::to_string(limit_seconds)};
        full.insert(full.end(), argv.begin(), argv.end());
        const auto start = std::chrono::steady_clock::now();
        auto r = test::run_process(full);
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return r;
    }

    /// `client` enrolls at `fault`'s profile in a directory of its own.
    observation enroll(client_kind client, const fault_profile& fault)
    {
        const auto url = ca.urls.at(fault.name);
        const auto work = dir.file(std::string(client == client_kind::ascep        ? "ascep"
                                               : client == client_kind::scepclient ? "scepclient"
                                                                                   : "pki") +
                                   "-" + fault.name);
        fs::create_directories(work);
        const auto before = events(fault.name).size();
        const auto cn = work.filename().string();
        observation o;
        fs::path key;
        test::process_result r;
        switch (client) {
        case client_kind::ascep: {
            // A fresh key and request, made before the timed run. The CA
            // certificates come from the state directory, as a CI job that
            // ran `ascep getca` earlier holds them; at no-ra, from the
            // spoiled GetCACert itself (the fault is in that answer).
            key = work / "dev.key";
            const auto m = ascep({"mkrequest", "--prefix", (work / "dev").string(), "--bits", "1024", "-dns",
                                  cn + ".example.test", "--challenge-file", path("pw.txt")});
            INFO(m.output << m.errors);
            REQUIRE(m.exit_code == 0);
            auto ca_file = ca_certificate(fault.name).string();
            if (fault.name == "no-ra") {
                ca_file = (work / "getca.crt").string();
                const auto g = ascep({"getca", "-u", url, "-c", ca_file});
                INFO(g.output << g.errors);
                REQUIRE(g.exit_code == 0);
            }
            fs::create_directories(work / "out");
            r = timed({ASCEP_PATH, "enroll", "-u", url, "-c", ca_file, "-k", key.string(), "-r",
                       (work / "dev.csr").string(), "-l", (work / "out" / "cert.pem").string(), "-t", "1",
                       // Transient errors are asked again for 5 s, not the
                       // default minute: the same behaviour, a shorter run.
                       "--retry-for", "5s"},
                      work, o.seconds);
            if (!fs::is_empty(work / "out"))
                o.certificate = work / "out" / "cert.pem";
            break;
        }
        case client_kind::scepclient: {
            // As docs/testca.md runs it: in an empty directory, making its
            // own key (1024 bits, as the others). It always fetches the CA
            // certificates itself with GetCACaps and GetCACert: it cannot be
            // given them.
            key = work / "k.pem";
            r = timed({"scepclient", "-server-url", url, "-challenge", challenge, "-private-key", "k.pem",
                       "-certificate", "c.pem", "-cn", cn, "-keySize", "1024"},
                      work, o.seconds);
            if (fs::exists(work / "c.pem"))
                o.certificate = work / "c.pem";
            break;
        }
        case client_kind::pki: {
            // A fresh key by openssl; the CA certificate from the state
            // directory for both roles (no RA), at no-ra from `pki --scepca`
            // (GetCACert, which the fault spoils). Polling every second for at
            // most 30 s: a CI setting, not the 60 s / unlimited default. The
            // certificate goes to stdout. --cipher des3: strongSwan 5.9.8
            // misreads GetCACaps and refuses its default AES from any CA (see
            // testca_ci_test.cpp).
            key = work / "k.pem";
            const auto g = test::run_process(
                {"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", key.string()});
            REQUIRE(g.exit_code == 0);
            std::vector<std::string> certs;
            if (fault.name == "no-ra") {
                const auto s = test::run_process({"pki", "--scepca", "--url", url, "--caout",
                                                  (work / "ca.pem").string(), "--raout", (work / "ra.pem").string(),
                                                  "--outform", "pem", "--force"});
                INFO(s.output << s.errors);
                REQUIRE(s.exit_code == 0);
                REQUIRE(fs::exists(work / "ca.pem"));
                certs = {"--cacert-enc", (work / "ca.pem").string(), "--cacert-sig", (work / "ca.pem").string()};
            } else {
                certs = {"--cacert-enc", ca_certificate(fault.name).string(), "--cacert-sig",
                         ca_certificate(fault.name).string()};
            }
            std::vector<std::string> argv{"pki",      "--scep",  "--url",       url,  "--in",        key.string(),
                                          "--dn",     "CN=" + cn, "--password", challenge, "--interval", "1",
                                          "--maxpolltime", "30", "--outform", "pem", "--cipher", "des3"};
            argv.insert(argv.end(), certs.begin(), certs.end());
            r = timed(argv, work, o.seconds);
            if (!r.output.empty()) {
                o.certificate = work / "cert.pem";
                std::ofstream(*o.certificate, std::ios::binary) << r.output;
            }
            break;
        }
        }
        o.exit_code = r.exit_code;
        // timeout(1): 124 after SIGTERM, 137 when SIGKILL was needed.
        o.hung = (r.exit_code == 124 || r.exit_code == 128 + 9) && o.seconds >= limit_seconds;
        // The client's words without this run's directory and port.
        o.said = last_line(replaced(replaced(replaced(r.errors.empty() ? r.output : r.errors, url, "URL"),
                                             dir.path().string(), "DIR"),
                                    "127.0.0.1:" + std::to_string(ca.port), "CA"));
        if (o.certificate) {
            const auto cert_key = public_key(*o.certificate, true);
            o.is_certificate = !cert_key.empty();
            o.for_key = o.is_certificate && cert_key == public_key(key, false);
            o.verifies = test::run_process({"openssl", "verify", "-CAfile", ca_certificate(fault.name).string(),
                                            o.certificate->string()})
                             .exit_code == 0;
        }
        const auto all = events(fault.name);
        // After a PENDING, a request sent again is a poll (a CertPoll, or the
        // PKCSReq resent as RFC 8894 §3.3.3 allows), not a retry.
        bool pending = false;
        std::string previous;
        int repeats = 0;
        const auto flush = [&] {
            if (repeats == 0)
                return;
            o.requests += (o.requests.empty() ? "" : ", ") + previous;
            if (repeats > 1)
                o.requests += "×" + std::to_string(repeats);
        };
        for (auto i = before; i < all.size(); ++i) {
            const auto& e = all[i];
            const auto type = field(e, "messageType");
            const auto kind = type.empty() ? field(e, "operation") : type;
            ++o.request_counts[pending && (type == "PKCSReq" || type == "CertPoll") ? "poll" : kind];
            if (type == "PKCSReq")
                o.transactions.insert(field(e, "transactionID"));
            const auto result = field(e, "result");
            pending = pending || result.rfind("PENDING", 0) == 0;
            if (result.rfind("SUCCESS serial=", 0) == 0)
                o.serials.insert(result.substr(15, result.find(' ', 15) - 15));
            if (kind != previous) {
                flush();
                previous = kind;
                repeats = 0;
            }
            ++repeats;
        }
        flush();
        return o;
    }
};

/// Markdown-safe: no pipes or newlines in a cell.
std::string cell(std::string s)
{
    std::string out;
    for (const char c : s) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n' || c == '\r')
            out += ' ';
        else
            out += c;
    }
    return out;
}

std::string seconds_text(double s)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << s << " s";
    return out.str();
}

/// What the client did, in plain words.
std::string verdict(const fault_profile& fault, const observation& o)
{
    std::string v;
    if (o.hung) {
        v = "hung: stopped after " + std::to_string(limit_seconds) + " s";
    } else if (o.certificate && !o.is_certificate) {
        v = "wrote something that is not a certificate (exit " + std::to_string(o.exit_code) + ")";
    } else if (o.certificate && !o.for_key) {
        v = "accepted the forged certificate (wrote it: a certificate for another key)";
    } else if (o.certificate && !o.verifies) {
        v = "wrote a certificate that does not verify against the CA";
    } else if (o.certificate && fault.name == "no-ra") {
        v = "took the reply of an RA it was not given, whose certificate (sent in the reply) chains to the CA "
            "(wrote its certificate)";
    } else if (o.certificate && fault.forged) {
        v = "accepted the forged reply (wrote its certificate)";
    } else if (o.certificate) {
        v = o.exit_code == 0 ? "enrolled" : "wrote the certificate, but exited " + std::to_string(o.exit_code);
        if (fault.name == "content-type")
            v += " (took the text/html reply)";
    } else if (o.exit_code == 0) {
        v = "exited 0 but wrote no certificate";
    } else {
        v = "failed (exit " + std::to_string(o.exit_code) + "), wrote nothing";
    }
    if (o.serials.size() > 1)
        v += "; **" + std::to_string(o.serials.size()) + " certificates issued**";
    return v;
}

/// Whether the client sent a request more often than in its run without
/// faults (polls excepted: CertPoll while PENDING is the protocol).
std::string retried(const observation& o, const observation& plain)
{
    std::vector<std::string> more;
    for (const auto& [kind, n] : o.request_counts) {
        if (kind == "poll")
            continue;
        const auto it = plain.request_counts.find(kind);
        const int usual = it == plain.request_counts.end() ? 0 : it->second;
        if (n > usual && usual > 0)
            more.push_back(kind);
    }
    std::string out = more.empty() ? "no" : "yes (";
    for (std::size_t i = 0; i < more.size(); ++i)
        out += (i == 0 ? "" : ", ") + more[i];
    if (!more.empty())
        out += ")";
    if (o.transactions.size() > 1)
        out += "; " + std::to_string(o.transactions.size()) + " transactions";
    return out;
}

std::string yes_no(bool b)
{
    return b ? "yes" : "no";
}

std::string version_line(const std::vector<std::string>& argv)
{
    const auto r = test::run_process(argv);
    auto line = last_line(r.output + "\n" + r.errors);
    std::istringstream in(r.output + "\n" + r.errors);
    for (std::string l; std::getline(in, l);)
        if (!l.empty() && l.rfind("plugin ", 0) != 0 && l.rfind("usage", 0) != 0) {
            line = l;
            break;
        }
    return line;
}

std::string utc_now()
{
    const auto t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::ostringstream out;
    out << std::put_time(&tm, "%Y-%m-%d %H:%M UTC");
    return out.str();
}

} // namespace

TEST_CASE("each client at each fault: ascep's part asserted, the table written for docs/testca.md")
{
    table_ca t;
    // Results by fault, then client.
    std::map<std::string, std::map<client_kind, observation>> seen;
    for (const auto& fault : faults) {
        for (const auto& [client, client_name] : clients) {
            const auto o = t.enroll(client, fault);
            std::cout << fault.name << " / " << client_name << ": exit " << o.exit_code << ", "
                      << seconds_text(o.seconds) << ", " << verdict(fault, o) << "; " << o.requests << std::endl;
            seen[fault.name][client] = o;
        }
        // ascep: what holds whether or not enroll retries transient errors
        // within one run.
        INFO(fault.name);
        const auto& a = seen[fault.name][client_kind::ascep];
        INFO("ascep said: " << a.said);
        CHECK_FALSE(a.hung);
        CHECK(a.serials.size() <= 1); // never two certificates
        if (a.certificate)
            CHECK(a.right()); // never a wrong one
        if (fault.name == "none") {
            CHECK(a.exit_code == 0);
            CHECK(a.right());
        }
        // docs/cli.md "Exit codes": 97 a reply that does not verify or
        // match, 72 FAILURE badRequest.
        if (fault.forged || fault.name == "pending-then-failure") {
            CHECK(a.exit_code == (fault.forged ? 97 : 72));
            CHECK_FALSE(a.certificate);
        }
    }

    std::ostringstream md;
    md << "Run " << utc_now() << " by tests/integration/testca_client_table_test.cpp: one ascep-testca, "
       << "one profile per fault at probability 1 (`--seed 21`, `--key-bits 1024`, a challenge), "
       << "each client with a fresh 1024-bit key, each run stopped after " << limit_seconds << " s.\n\n"
       << "- ascep: `" << cell(version_line({ASCEP_PATH, "--version"})) << "`\n"
       << "- Debian scepclient: `" << cell(version_line({"scepclient", "-version"})) << "`\n"
       << "- strongSwan pki: `" << cell(version_line({"pki", "--help"})) << "`\n\n";

    md << "| fault |";
    for (const auto& [client, name] : clients)
        md << " " << name << " |";
    md << "\n|-|";
    for (std::size_t i = 0; i < clients.size(); ++i)
        md << "-|";
    md << "\n";
    for (const auto& fault : faults) {
        md << "| `" << fault.name << "` |";
        for (const auto& [client, name] : clients)
            md << " " << cell(verdict(fault, seen[fault.name][client])) << " |";
        md << "\n";
    }

    md << "\nIn detail (requests as the CA logged them; \"retried\": a request sent more often than in the "
          "client's run without faults, polls after a PENDING not counted):\n\n"
       << "| fault | client | exit | certificate written | right (key, CA) | issued by the CA | requests | "
          "retried | time | the client's last words |\n"
       << "|-|-|-|-|-|-|-|-|-|-|\n";
    for (const auto& fault : faults) {
        for (const auto& [client, name] : clients) {
            const auto& o = seen[fault.name][client];
            const auto& plain = seen["none"][client];
            std::string right = "-";
            if (o.certificate)
                right = !o.is_certificate ? "not a certificate"
                                          : std::string(o.for_key ? "key ok" : "**other key**") + ", " +
                                                (o.verifies ? "verifies" : "**does not verify**");
            md << "| `" << fault.name << "` | " << name << " | " << (o.hung ? "hung" : std::to_string(o.exit_code))
               << " | " << yes_no(o.certificate.has_value()) << " | " << right << " | " << o.serials.size() << " | "
               << cell(o.requests.empty() ? "-" : o.requests) << " | " << cell(retried(o, plain)) << " | "
               << seconds_text(o.seconds) << " | " << cell(o.said) << " |\n";
        }
    }
    std::ofstream(ASCEP_CLIENT_TABLE_PATH) << md.str();
    std::cout << "client table written to " << ASCEP_CLIENT_TABLE_PATH << std::endl;
}
