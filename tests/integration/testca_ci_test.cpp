// ascep-testca as a CI service (issue 21): readiness (--listen :0 with
// --url-file, twenty starts at once), a clean SIGTERM in the middle of a
// fleet run, HTTPS (--tls) for ascep and curl, and three profiles in one
// process enrolled by ascep, the Debian scepclient and strongSwan's pki,
// surviving kill -9.
#include "ascep_workdir.hpp"
#include "background_process.hpp"
#include "fleet_fixture.hpp"
#include "fleet_in_background.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <set>
#include <thread>

using namespace ascep;
using test::count_of;
using test::slurp;
namespace fs = std::filesystem;

namespace {

test::process_result run(std::vector<std::string> argv)
{
    return test::run_process(argv);
}

test::process_result run_ascep(std::vector<std::string> args)
{
    args.insert(args.begin(), ASCEP_PATH);
    return test::run_process(args);
}

/// Waits for `file` to exist while `p` runs (generous: ASan, a loaded machine).
void wait_for_file(const fs::path& file, const test::background_process& p, const fs::path& log)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!fs::exists(file)) {
        INFO(slurp(log));
        REQUIRE(p.running());
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

/// mkrequest + enroll with `-u url`, TLS options in `extra`; the exit code.
test::process_result ascep_enroll(const test::ascep_workdir& w, const std::string& url, const std::string& name,
                                  std::vector<std::string> extra = {})
{
    const auto m = run_ascep({"mkrequest", "--prefix", w.path(name), "-dns", name + ".example.test"});
    REQUIRE(m.exit_code == 0);
    std::vector<std::string> get{"getca", "-u", url, "-c", w.path(name + "-ca.crt")};
    get.insert(get.end(), extra.begin(), extra.end());
    const auto g = run_ascep(get);
    if (g.exit_code != 0)
        return g;
    std::vector<std::string> args{"enroll", "-u", url, "-c", w.path(name + "-ca.crt"), "-k", w.path(name + ".key"),
                                  "-r", w.path(name + ".csr"), "-l", w.path(name + ".crt"), "-t", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_ascep(args);
}

#ifdef ASCEP_HAVE_STRONGSWAN_PKI
/// Whether the certificate in `file` has `usage` (as openssl names it,
/// "Key Encipherment") in its keyUsage.
bool has_key_usage(const fs::path& file, const std::string& usage)
{
    const auto r = run({"openssl", "x509", "-in", file.string(), "-noout", "-ext", "keyUsage"});
    return r.exit_code == 0 && r.output.find(usage) != std::string::npos;
}

/// Whether the certificate in `file` is self-signed (its issuer is its subject).
bool self_signed(const fs::path& file)
{
    const auto subject = run({"openssl", "x509", "-in", file.string(), "-noout", "-subject", "-nameopt", "compat"});
    const auto issuer = run({"openssl", "x509", "-in", file.string(), "-noout", "-issuer", "-nameopt", "compat"});
    return subject.output.substr(subject.output.find('=') + 1) == issuer.output.substr(issuer.output.find('=') + 1);
}

/// `pki --scepca` (GetCACert) into `d`, then pki --scep's options for what
/// it fetched: --cacert-enc, --cacert-sig and --cacert for each CA. pki
/// names the files by the order of the answer (ca.pem, ca-1.pem, ...; ra.pem,
/// ra-2.pem), so the roles are chosen by what the certificates say: the RA
/// with keyEncipherment encrypts, the one with digitalSignature signs;
/// without RA certificates the issuing CA (the one that is not self-signed,
/// or the only one) does both.
std::vector<std::string> pki_ca_certificates(const std::string& url, const fs::path& d)
{
    const auto r = run({"pki", "--scepca", "--url", url, "--caout", (d / "ca.pem").string(), "--raout",
                        (d / "ra.pem").string(), "--outform", "pem", "--force"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    std::vector<fs::path> cas, ras;
    for (const auto& e : fs::directory_iterator(d)) {
        const auto name = e.path().filename().string();
        if (name.rfind("ca", 0) == 0)
            cas.push_back(e.path());
        else if (name.rfind("ra", 0) == 0)
            ras.push_back(e.path());
    }
    REQUIRE_FALSE(cas.empty());
    fs::path enc, sig;
    for (const auto& ra : ras) {
        if (has_key_usage(ra, "Key Encipherment"))
            enc = ra;
        if (has_key_usage(ra, "Digital Signature"))
            sig = ra;
    }
    if (ras.empty()) {
        enc = cas.front();
        for (const auto& c : cas)
            if (!self_signed(c))
                enc = c;
        sig = enc;
    }
    REQUIRE_FALSE(enc.empty());
    REQUIRE_FALSE(sig.empty());
    std::vector<std::string> out{"--cacert-enc", enc.string(), "--cacert-sig", sig.string()};
    for (const auto& c : cas)
        if (c != enc)
            out.insert(out.end(), {"--cacert", c.string()});
    return out;
}
#endif

} // namespace

TEST_CASE("--listen 127.0.0.1:0 --url-file: twenty starts at once, no port twice, each URL ready when its file appears")
{
    test::temp_dir dir;
    {
        // One CA made first and copied: the twenty race for ports, not for
        // key generation.
        test::testca_process first(ASCEP_TESTCA_PATH, dir, {});
        first.process->kill(SIGTERM);
    }
    constexpr int n = 20;
    std::vector<std::unique_ptr<test::background_process>> cas;
    for (int i = 0; i < n; ++i) {
        const auto state = dir.file("s" + std::to_string(i));
        fs::copy(dir.file("state"), state, fs::copy_options::recursive);
        fs::remove(state / "events.jsonl");
        cas.push_back(std::make_unique<test::background_process>(
            std::vector<std::string>{ASCEP_TESTCA_PATH, "--dir", state.string(), "--listen", "127.0.0.1:0",
                                     "--url-file", dir.file("url" + std::to_string(i) + ".txt").string()},
            dir.file("log" + std::to_string(i))));
    }
    std::set<std::string> ports;
    // "http://127.0.0.1:PORT/scep\n", nothing else (no std::regex: g++ 12
    // warns inside it, and warnings are errors).
    const std::string prefix = "http://127.0.0.1:", suffix = "/scep\n";
    for (int i = 0; i < n; ++i) {
        const auto file = dir.file("url" + std::to_string(i) + ".txt");
        wait_for_file(file, *cas[i], dir.file("log" + std::to_string(i)));
        // The file is whole when it appears, and the server answers at once:
        // one try, no retry loop.
        const auto text = slurp(file);
        INFO(text);
        REQUIRE(text.size() > prefix.size() + suffix.size());
        REQUIRE(text.rfind(prefix, 0) == 0);
        REQUIRE(text.substr(text.size() - suffix.size()) == suffix);
        const auto port = text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
        REQUIRE(!port.empty());
        REQUIRE(port.find_first_not_of("0123456789") == std::string::npos);
        ports.insert(port);
        const auto caps = run({"curl", "-sS", "--max-time", "60", text.substr(0, text.size() - 1) +
                                                                    "?operation=GetCACaps"});
        INFO(caps.errors);
        CHECK(caps.exit_code == 0);
        CHECK(caps.output.find("POSTPKIOperation") != std::string::npos);
    }
    CHECK(ports.size() == n);
    for (const auto& entry : fs::directory_iterator(dir.path()))
        CHECK(entry.path().filename().string().find(".tmp") == std::string::npos); // no temp file left behind
    for (auto& ca : cas) {
        REQUIRE(::kill(ca->pid(), SIGTERM) == 0);
        CHECK(ca->wait_exit() == 0);
    }
}

TEST_CASE("SIGTERM during a fleet run: the CA stops cleanly, and every device completes without a second certificate")
{
    test::fleet_fixture f({});
    test::write_manifest(f.dir.file("devices.csv"), 120);
    auto args = f.fleet_args("devices.csv", "out", {"--bits", "1024", "--jsonl"});
    args.insert(args.begin(), ASCEP_PATH);
    {
        test::fleet_in_background fleet(args);
        REQUIRE(fleet.wait_issued(30));
        const auto log = f.ca.log();
        REQUIRE(::kill(f.ca.process->pid(), SIGTERM) == 0);
        CHECK(f.ca.process->wait_exit() == 0);
        CHECK(slurp(log).find("ascep-testca: stopped (SIGTERM)") != std::string::npos);
        // The same state on the same port: the fleet, retrying, carries on.
        f.ca.start("127.0.0.1:" + std::to_string(f.ca.port));
        const auto r = fleet.finish();
        INFO(r.errors.substr(r.errors.size() > 3000 ? r.errors.size() - 3000 : 0));
        CHECK(r.exit_code == 0);
    }
    f.check_issued("out", 120);
    CHECK(f.issued_at_ca() == 120);
    // A re-run has nothing left to do, and the CA issues nothing more.
    const auto again = test::run_process(args);
    CHECK(again.exit_code == 0);
    CHECK(f.issued_at_ca() == 120);
    // Every request the CA served is one line of events.jsonl, each whole.
    const auto events = slurp(f.ca.state / "events.jsonl");
    CHECK(count_of(events, "\"messageType\":\"PKCSReq\"") >= 120);
    CHECK(count_of(events, "\n") == count_of(events, "{\"time\":"));
}

TEST_CASE("--tls: ascep and curl enroll and fetch over https with --cacert STATE/tls-ca.pem; without it they are refused")
{
    test::ascep_workdir w;
    test::testca_process ca(ASCEP_TESTCA_PATH, w.dir, {"--tls", "--tls-name", "ca.example.test"});
    REQUIRE(ca.url.rfind("https://127.0.0.1:", 0) == 0);
    const auto anchor = (ca.state / "tls-ca.pem").string();
    REQUIRE(fs::exists(anchor));

    CHECK(ascep_enroll(w, ca.url, "dev", {"--cacert", anchor}).exit_code == 0);
    CHECK(run({"openssl", "verify", "-CAfile", (ca.state / "ca.crt").string(), w.path("dev.crt")}).exit_code == 0);

    auto caps = run({"curl", "-sS", "--cacert", anchor, ca.url + "?operation=GetCACaps"});
    CHECK(caps.exit_code == 0);
    CHECK(caps.output.find("SCEPStandard") != std::string::npos);
    // By name (a --tls-name) and as localhost, the certificate fits too.
    const auto port = std::to_string(ca.port);
    caps = run({"curl", "-sS", "--cacert", anchor, "--resolve", "ca.example.test:" + port + ":127.0.0.1",
                "https://ca.example.test:" + port + "/scep?operation=GetCACert", "-o", w.path("ca.der")});
    CHECK(caps.exit_code == 0);
    CHECK(run({"openssl", "x509", "-inform", "DER", "-in", w.path("ca.der"), "-noout"}).exit_code == 0);
    CHECK(run({"curl", "-sS", "--cacert", anchor, "https://localhost:" + port + "/scep?operation=GetCACaps"})
              .exit_code == 0);

    // Without the anchor: refused by both (curl 60: certificate problem;
    // ascep 95 naming the TLS handshake), and nothing written.
    const auto curl_refused = run({"curl", "-sS", ca.url + "?operation=GetCACaps"});
    CHECK(curl_refused.exit_code == 60);
    const auto refused = run_ascep({"getca", "-u", ca.url, "-c", w.path("no.crt")});
    CHECK(refused.exit_code == 95);
    CHECK(refused.errors.find("TLS handshake") != std::string::npos);
    CHECK_FALSE(w.exists("no.crt"));
    // The CA logs the refused handshake once it has seen the client's alert.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (slurp(ca.log()).find("TLS handshake failed") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(slurp(ca.log()).find("TLS handshake failed") != std::string::npos);

    // --tls-cert/--tls-key: your own certificate (here the one the first
    // server made, under the same anchor).
    test::temp_dir other;
    fs::copy(ca.state / "tls-server.pem", other.file("server.pem"));
    fs::copy(ca.state / "tls-server.key", other.file("server.key"));
    test::testca_process own(ASCEP_TESTCA_PATH, other,
                             {"--tls-cert", other.file("server.pem").string(), "--tls-key",
                              other.file("server.key").string()});
    REQUIRE(own.url.rfind("https://", 0) == 0);
    CHECK_FALSE(fs::exists(own.state / "tls-ca.pem"));
    CHECK(run_ascep({"getcaps", "-u", own.url, "--cacert", anchor}).exit_code == 0);
}

TEST_CASE("--tls options: bad values exit 64 with a clear message, before anything is made")
{
    test::temp_dir dir;
    const auto state = dir.file("state").string();
    const auto tries = std::vector<std::pair<std::vector<std::string>, std::string>>{
        {{"--tls-cert", dir.file("c.pem").string()}, "--tls-cert and --tls-key go together"},
        {{"--tls-name", "x.test"}, "--tls-name needs --tls"},
        {{"--tls", "--tls-name", "bad name!"}, "--tls-name 'bad name!'"},
        {{"--url-file", ""}, "--url-file wants a file name"},
        {{"--challenge", "a", "--challenge-file", dir.file("c").string()}, "exclude each other"},
        {{"--challenge-file", dir.file("missing").string()}, "--challenge-file"},
        {{"--seed", "x"}, "--seed must be a number"},
        {{"--faults", "bogus"}, "unknown fault 'bogus'"},
        {{"--faults", "http503@2"}, "probability"},
        {{"--faults", "delay"}, "delay needs a duration"},
        {{"--profile", "a b:"}, "the name must be"},
        {{"--profile", "a:--bogus"}, "unknown option --bogus (in --profile a)"},
        {{"--profile", "a:", "--profile", "a:"}, "--profile a given twice"},
        {{"--profile", "a:", "--pending", "2"}, "--pending is a CA flag"},
    };
    for (const auto& [opts, message] : tries) {
        std::vector<std::string> argv{ASCEP_TESTCA_PATH, "--dir", state, "--listen", "127.0.0.1:0"};
        argv.insert(argv.end(), opts.begin(), opts.end());
        const auto r = run(argv);
        INFO(opts.front() << ": " << r.errors);
        CHECK(r.exit_code == 64);
        CHECK(r.errors.find(message) != std::string::npos);
        CHECK_FALSE(fs::exists(state));
    }
    // The challenge file's content is never echoed.
    dir.write("secret.txt", "s3cr3t\nsecond line\n");
    const auto r = run({ASCEP_TESTCA_PATH, "--dir", state, "--challenge-file", dir.file("secret.txt").string()});
    CHECK(r.exit_code == 64);
    CHECK(r.errors.find("s3cr3t") == std::string::npos);
}

TEST_CASE("three profiles in one process: ascep, the Debian scepclient and strongSwan pki enroll at each; state survives kill -9")
{
    test::ascep_workdir w;
    w.dir.write("pw.txt", "profile-secret\n");
    test::testca_process ca(ASCEP_TESTCA_PATH, w.dir,
                            {"--profile", "auto:", "--profile", "slow:--pending 2",
                             "--profile", "ndes:--ra --intermediate --challenge-file " + w.path("pw.txt")});
    REQUIRE(ca.urls.size() == 3);
    const auto port = std::to_string(ca.port);
    CHECK(ca.urls.at("auto") == "http://127.0.0.1:" + port + "/auto");
    CHECK(ca.urls.at("slow") == "http://127.0.0.1:" + port + "/slow");
    CHECK(slurp(ca.url_file()) == "auto http://127.0.0.1:" + port + "/auto\nslow http://127.0.0.1:" + port +
                                      "/slow\nndes http://127.0.0.1:" + port + "/ndes\n");
    // Each profile is a CA of its own.
    CHECK(slurp(ca.state / "auto" / "ca.crt") != slurp(ca.state / "slow" / "ca.crt"));
    CHECK(fs::exists(ca.state / "ndes" / "root.crt"));
    CHECK(fs::exists(ca.state / "ndes" / "ra-sign.crt"));
    // An unknown path is no CA.
    const auto none = run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                           "http://127.0.0.1:" + port + "/nope?operation=GetCACaps"});
    CHECK(none.output == "404");

    for (const std::string p : {"auto", "slow", "ndes"}) {
        INFO(p);
        const auto m = run_ascep({"mkrequest", "--prefix", w.path(p), "-dns", p + ".example.test", "--challenge-file",
                              w.path("pw.txt")});
        REQUIRE(m.exit_code == 0);
        REQUIRE(run_ascep({"getca", "-u", ca.urls.at(p), "-c", w.path(p + "-ca.crt")}).exit_code == 0);
        const auto e = run_ascep({"enroll", "-u", ca.urls.at(p), "-c", w.path(p + "-ca.crt"), "-k", w.path(p + ".key"),
                              "-r", w.path(p + ".csr"), "-l", w.path(p + ".crt"), "-t", "1"});
        INFO(e.output << e.errors);
        CHECK(e.exit_code == 0);
        const auto ca_file = (ca.state / p / (p == "ndes" ? "root.crt" : "ca.crt")).string();
        std::vector<std::string> verify{"openssl", "verify", "-CAfile", ca_file};
        if (p == "ndes")
            verify.insert(verify.end(), {"-untrusted", (ca.state / p / "ca.crt").string()});
        verify.push_back(w.path(p + ".crt"));
        CHECK(run(verify).exit_code == 0);
    }
#ifdef ASCEP_HAVE_SCEPCLIENT
    // The Debian scepclient, run as docs/testca.md says: in an empty
    // directory. It sleeps 30 s between its requests while PENDING.
    for (const std::string p : {"auto", "slow", "ndes"}) {
        INFO("scepclient at " << p);
        const auto d = w.dir.file("sc-" + p);
        fs::create_directories(d);
        const auto r = run({"sh", "-c", "cd '" + d.string() + "' && exec scepclient -server-url '" + ca.urls.at(p) +
                                            "' -private-key k.pem -certificate c.pem -cn sc-" + p +
                                            " -challenge profile-secret"});
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 0);
        CHECK(fs::exists(d / "c.pem"));
    }
#endif
#ifdef ASCEP_HAVE_STRONGSWAN_PKI
    // strongSwan's pki --scep: a key of its own, the CA certificates from
    // `pki --scepca` (GetCACert), PENDING polled every second (its default is
    // 60 s). At ndes it encrypts to the RA encryption certificate and checks
    // the RA-signed reply up to the root. --cipher des3: Debian 12's pki
    // (strongSwan 5.9.8) tests its GetCACaps flags, which are bit numbers,
    // as bit masks (`caps & SCEP_CAPS_AES` is `caps & 0`): it never sees AES
    // and refuses its default cipher ("AES_CBC encryption algorithm not
    // supported by CA") from any CA; DES3 it reads from the AES bit.
    for (const std::string p : {"auto", "slow", "ndes"}) {
        INFO("pki at " << p);
        const auto d = w.dir.file("pki-" + p);
        fs::create_directories(d);
        REQUIRE(run({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                     (d / "k.pem").string()})
                    .exit_code == 0);
        const auto ca_certs = pki_ca_certificates(ca.urls.at(p), d);
        std::vector<std::string> argv{"pki", "--scep", "--url", ca.urls.at(p), "--in", (d / "k.pem").string(),
                                      "--dn", "CN=pki-" + p, "--password", "profile-secret", "--interval", "1",
                                      "--maxpolltime", "60", "--outform", "pem", "--cipher", "des3"};
        argv.insert(argv.end(), ca_certs.begin(), ca_certs.end());
        const auto r = run(argv);
        INFO(r.errors);
        CHECK(r.exit_code == 0);
        // The certificate goes to stdout.
        w.dir.write("pki-" + p + ".crt", r.output);
        const auto ca_file = (ca.state / p / (p == "ndes" ? "root.crt" : "ca.crt")).string();
        std::vector<std::string> verify{"openssl", "verify", "-CAfile", ca_file};
        if (p == "ndes")
            verify.insert(verify.end(), {"-untrusted", (ca.state / p / "ca.crt").string()});
        verify.push_back(w.path("pki-" + p + ".crt"));
        CHECK(run(verify).exit_code == 0);
    }
#endif
    // kill -9, then a start with the state directory alone: every profile
    // is back with what it issued, and serves on.
    ca.process->kill(SIGKILL);
    ca.options.clear();
    ca.start("127.0.0.1:0");
    REQUIRE(ca.urls.size() == 3);
    std::size_t issued_each = 1;
#ifdef ASCEP_HAVE_SCEPCLIENT
    ++issued_each;
#endif
#ifdef ASCEP_HAVE_STRONGSWAN_PKI
    ++issued_each;
#endif
    for (const std::string p : {"auto", "slow", "ndes"}) {
        INFO(p);
        const auto l = ca.command({"list", "--profile", p});
        CHECK(l.exit_code == 0);
        CHECK(count_of(l.output, ")  valid  until") == issued_each);
    }
    const auto l = ca.command({"list"});
    CHECK(l.exit_code == 64);
    CHECK(l.errors.find("say which with --profile NAME") != std::string::npos);
    const auto again = ascep_enroll(w, ca.urls.at("auto"), "after");
    CHECK(again.exit_code == 0);
}
