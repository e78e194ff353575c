// The ascep binary against ascep-testca: the operations the Debian scepserver
// cannot serve (PENDING and polling, GetCert, GetCRL, GetNextCACert, an
// NDES-like RA), run as a user runs them and checked with openssl.
#include "ascep_workdir.hpp"
#include "cms/software_key.hpp"
#include "csr_version.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include "scep/csr.hpp"

#include <botan/data_src.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace ascep;

namespace {

struct cli_testca : test::ascep_workdir {
    test::testca_process ca;

    explicit cli_testca(std::vector<std::string> opts) : ca(ASCEP_TESTCA_PATH, dir, with_challenge(std::move(opts)))
    {
        const auto r = ascep({"getca", "-u", ca.url, "-c", path("ca.crt")});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
    }

    static std::vector<std::string> with_challenge(std::vector<std::string> opts)
    {
        opts.insert(opts.end(), {"--challenge", "pw", "--key-bits", "2048"});
        return opts;
    }


    test::process_result enroll(const std::string& name, std::vector<std::string> extra = {}) const
    {
        const auto m = ascep({"mkrequest", "--prefix", path(name), "-dns", name + ".example.test", "pw"});
        REQUIRE(m.exit_code == 0);
        std::vector<std::string> args{"enroll", "-u", ca.url, "-c", path("ca.crt"), "-k", path(name + ".key"),
                                      "-r", path(name + ".csr"), "-l", path(name + ".crt"), "-t", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        return ascep(args);
    }

    std::string openssl_text(std::vector<std::string> args) const
    {
        args.insert(args.begin(), "openssl");
        const auto r = test::run_process(args);
        return r.output + r.errors;
    }

    /// The serial of a certificate as openssl prints it (hex).
    std::string serial_of(const std::string& cert) const
    {
        const auto text = openssl_text({"x509", "-in", path(cert), "-noout", "-serial"});
        return text.substr(text.find('=') + 1, text.find('\n') - text.find('=') - 1);
    }
};

} // namespace

TEST_CASE("PENDING is polled until issued")
{
    cli_testca t({"--pending", "3"});
    const auto r = t.enroll("dev");
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("pkistatus: PENDING") != std::string::npos);
    // PENDING to the request and to the first two polls; the third poll gets it.
    CHECK(r.output.find("requesting certificate (#3)") != std::string::npos);
    CHECK(r.output.find("requesting certificate (#4)") == std::string::npos);
    CHECK(t.openssl_text({"verify", "-CAfile", t.path("ca.crt"), t.path("dev.crt")}).find(": OK") !=
          std::string::npos);
}

TEST_CASE("still PENDING at -n exits 3; -R resumes the same transaction")
{
    cli_testca t({"--manual"});
    auto r = t.enroll("dev", {"-n", "2"});
    CHECK(r.exit_code == 3);
    CHECK_FALSE(t.exists("dev.crt"));
    const auto listing = t.ca.command({"list"});
    const auto tid = test::first_hex_run(listing.output, 32);
    INFO(listing.output);
    REQUIRE(!tid.empty());
    REQUIRE(t.ca.command({"approve", tid}).succeeded());
    r = t.ascep({"enroll", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"), "-r", t.path("dev.csr"),
                 "-l", t.path("dev.crt"), "-R"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("requesting certificate (#1)") != std::string::npos);
    CHECK(t.exists("dev.crt"));
}

TEST_CASE("getcert by serial and getcrl after a revoke")
{
    cli_testca t({});
    REQUIRE(t.enroll("dev").exit_code == 0);
    const auto serial = t.serial_of("dev.crt");

    auto r = t.ascep({"getcert", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"), "-l",
                      t.path("dev.crt"), "-s", "0x" + serial, "-w", t.path("fetched.crt")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.dir.read("fetched.crt") == t.dir.read("dev.crt"));

    REQUIRE(t.ca.command({"revoke", "0x" + serial}).succeeded());
    r = t.ascep({"getcrl", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"), "-l", t.path("dev.crt"),
                 "-w", t.path("ca.crl")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    const auto crl = t.openssl_text({"crl", "-in", t.path("ca.crl"), "-CAfile", t.path("ca.crt"), "-noout", "-text"});
    CHECK(crl.find("verify OK") != std::string::npos);
    CHECK(crl.find("Serial Number: " + serial) != std::string::npos);
}

TEST_CASE("getnextca after a rollover, verified by the current CA before anything is written")
{
    cli_testca t({});
    REQUIRE(t.ca.command({"rollover", "--key-bits", "2048"}).succeeded());
    const auto r = t.ascep({"getnextca", "-u", t.ca.url, "-c", t.path("ca.crt"), "-C", t.path("next.crt"), "-w",
                            t.path("signer.crt")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.exists("next.crt"));
    CHECK(t.dir.read("signer.crt") == t.dir.read("ca.crt"));
}

TEST_CASE("an NDES-like RA: chain files by key usage, request to the RA encryption certificate")
{
    cli_testca t({"--ra"});
    // getca wrote ca.crt-0, -1, -2 (leaf-first: RA signing, RA encryption,
    // CA); enroll -c ca.crt picks the roles by key usage.
    CHECK(t.exists("ca.crt-0"));
    CHECK(t.exists("ca.crt-2"));
    const auto r = t.enroll("dev");
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(t.openssl_text({"verify", "-CAfile", t.path("ca.crt-2"), t.path("dev.crt")}).find(": OK") !=
          std::string::npos);
}

TEST_CASE("--reject and a wrong challenge exit 72 and write nothing")
{
    {
        cli_testca t({"--reject"});
        const auto r = t.enroll("dev");
        CHECK(r.exit_code == 72);
        CHECK(r.errors.find("failInfo badRequest") != std::string::npos);
        CHECK_FALSE(t.exists("dev.crt"));
    }
    {
        cli_testca t({});
        const auto m = t.ascep({"mkrequest", "--prefix", t.path("bad"), "-dns", "bad.example.test", "wrong"});
        REQUIRE(m.exit_code == 0);
        const auto r = t.ascep({"enroll", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("bad.key"), "-r",
                                t.path("bad.csr"), "-l", t.path("bad.crt")});
        CHECK(r.exit_code == 72);
        CHECK_FALSE(t.exists("bad.crt"));
    }
}

TEST_CASE("enroll -r with a version-2 request (as iOS makes) is issued by ascep-testca")
{
    cli_testca t({});
    const auto m = t.ascep({"mkrequest", "--prefix", t.path("ios"), "-dns", "ios.example.test", "pw"});
    REQUIRE(m.exit_code == 0);
    // The mkrequest request with only its version changed to 2, signed again.
    Botan::DataSource_Stream key_file(t.path("ios.key"));
    const std::shared_ptr<const Botan::Private_Key> key(Botan::PKCS8::load_key(key_file));
    const auto pem = t.dir.read("ios.csr");
    std::string label;
    const auto v0 = Botan::PEM_Code::decode(std::string(pem.begin(), pem.end()), label);
    const auto v2 = test::csr_with_version({v0.begin(), v0.end()}, 2, cms::software_key(key));
    REQUIRE(scep::read_csr(v2)->version == 2);
    t.dir.write("ios-v2.csr", Botan::PEM_Code::encode(v2, "CERTIFICATE REQUEST"));

    const auto r = t.ascep({"enroll", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("ios.key"), "-r",
                            t.path("ios-v2.csr"), "-l", t.path("ios.crt"), "-t", "1"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.openssl_text({"verify", "-CAfile", t.path("ca.crt"), t.path("ios.crt")}).find(": OK") !=
          std::string::npos);
    // Issued for the request's key.
    CHECK(t.openssl_text({"x509", "-in", t.path("ios.crt"), "-noout", "-pubkey"}) ==
          t.openssl_text({"pkey", "-in", t.path("ios.key"), "-pubout"}));
}
