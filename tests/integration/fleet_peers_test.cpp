// ascep fleet with the real parts around it: through Debian's tinyproxy
// (Basic auth) and its CONNECT to Debian's nginx terminating TLS in front of
// ascep-testca; and against the Debian scepserver, whose parallel-load
// FAILUREs fleet mode retries.
#include "manifest_file.hpp"
#include "run_process.hpp"
#include "scepserver.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"
#include "testca_process.hpp"
#include "tinyproxy.hpp"
#include "tls_front.hpp"

#include <botan/pk_keys.h>
#include <botan/x509cert.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace ascep;
using test::count_of;
using test::slurp;
namespace fs = std::filesystem;

namespace {

test::process_result ascep_run(std::vector<std::string> args)
{
    args.insert(args.begin(), ASCEP_PATH);
    return test::run_process(args);
}

/// node-1, node-2, ... with a DNS name each.
const test::manifest_columns nodes{.id_format = "node-%zu", .organization = {}};

/// Every device certificate verifies against `ca` and is for its key.
void check_all_issued(const fs::path& out, std::size_t n, const Botan::X509_Certificate& ca)
{
    const std::unique_ptr<Botan::Public_Key> ca_key(ca.subject_public_key());
    for (std::size_t i = 1; i <= n; ++i) {
        const auto d = out / ("node-" + std::to_string(i));
        INFO(d);
        REQUIRE(fs::exists(d / "cert.pem"));
        const Botan::X509_Certificate cert((d / "cert.pem").string());
        CHECK(cert.check_signature(*ca_key));
    }
}

} // namespace

TEST_CASE("fleet through tinyproxy (Basic auth) and its CONNECT to nginx TLS in front of ascep-testca")
{
    test::temp_dir dir;
    test::testca_process ca(ASCEP_TESTCA_PATH, dir, {"--challenge", "pw"});
    test::tls_front tls(ca.port);
    test::tinyproxy_options popts;
    popts.connect_ports = {tls.port()};
    test::tinyproxy proxy(popts);
    test::write_manifest(dir.file("m.csv"), 24, nodes);

    const auto getca = ascep_run({"getca", "-u", tls.url(), "--cacert", tls.ca_cert().string(), "-p", proxy.spec(),
                                  "-c", dir.file("ca.crt").string()});
    INFO(getca.errors);
    REQUIRE(getca.exit_code == 0);

    const auto r = ascep_run({"fleet", "--manifest", dir.file("m.csv").string(), "--out", dir.file("out").string(),
                              "-u", tls.url(), "--cacert", tls.ca_cert().string(), "-p", proxy.spec(), "-c",
                              dir.file("ca.crt").string(), "--challenge", "pw", "--bits", "1024", "--concurrency", "6",
                              "--progress", "plain", "--jsonl"});
    INFO(r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(count_of(r.output, "\"event\":\"issued\"") == 24);
    check_all_issued(dir.file("out"), 24, Botan::X509_Certificate(dir.file("ca.crt").string()));

    // Every request went through the proxy's tunnel and nginx: tinyproxy logs
    // the CONNECTs, nginx each PKIOperation (24 requests, plus caps).
    CHECK(count_of(proxy.log(), "CONNECT") >= 1);
    const auto access = tls.access_log();
    CHECK(count_of(access, "operation=PKIOperation") >= 24);
    CHECK(count_of(access, "operation=GetCACaps") >= 1);

    SECTION("wrong proxy credentials: exit 95 naming the proxy, nothing written")
    {
        const auto bad_spec = "scep:wrong@" + proxy.authority();
        const auto bad = ascep_run({"fleet", "--manifest", dir.file("m.csv").string(), "--out",
                                    dir.file("out2").string(), "-u", tls.url(), "--cacert", tls.ca_cert().string(),
                                    "-p", bad_spec, "-c", dir.file("ca.crt").string(), "--progress", "none"});
        INFO(bad.errors);
        CHECK(bad.exit_code == 95);
        CHECK(bad.errors.find(proxy.authority()) != std::string::npos);
        CHECK(!fs::exists(dir.file("out2") / "node-1"));
    }
}

TEST_CASE("fleet against the Debian scepserver: 8 in flight, FAILUREs under load retried")
{
    test::temp_dir dir;
    test::scepserver server("secret");
    test::write_manifest(dir.file("m.csv"), 40, nodes);
    const auto r = ascep_run({"fleet", "--manifest", dir.file("m.csv").string(), "--out", dir.file("out").string(),
                              "-u", server.url(), "-c", server.ca_cert().string(), "--challenge", "secret",
                              "--concurrency", "8", "--retry-failures", "5", "--bits", "1024", "--progress", "plain",
                              "--report", dir.file("report.json").string()});
    INFO(r.errors);
    REQUIRE(r.exit_code == 0);
    check_all_issued(dir.file("out"), 40, Botan::X509_Certificate(server.ca_cert().string()));
    std::ifstream in(dir.file("report.json"));
    std::stringstream report;
    report << in.rdbuf();
    CHECK(report.str().find("\"issued\":40") != std::string::npos);
}
