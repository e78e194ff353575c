// The ascep binary against a CA that issues from an intermediate under a
// root (ascep-testca --intermediate), with and without an NDES-like RA, for
// each order of its GetCACert answer: every operation and a fleet, every
// certificate checked by openssl against the root.
#include "ascep_workdir.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <botan/data_src.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sys/stat.h>

using namespace ascep;
namespace fs = std::filesystem;

namespace {

struct hierarchy_ca : test::ascep_workdir {
    test::testca_process ca;
    std::size_t answer_size = 0; // certificates in the GetCACert answer
    std::string root_pem, intermediate_pem;

    hierarchy_ca(bool ra, const std::string& order)
        : ca(ASCEP_TESTCA_PATH, dir, options(ra, order))
    {
    }

    static std::vector<std::string> options(bool ra, const std::string& order)
    {
        std::vector<std::string> o{"--intermediate", "--chain-order", order, "--pending", "1",
                                   "--challenge", "pw", "--key-bits", "2048"};
        if (ra)
            o.push_back("--ra");
        return o;
    }


    /// getca into BASE-0, BASE-1, ...; finds the root and the intermediate
    /// among them by what they are, not where they are, for openssl.
    void getca(const std::string& base)
    {
        const auto r = ascep({"getca", "-v", "-u", ca.url, "-c", path(base)});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
        CHECK(test::count_of(r.output, "role: issuing CA") == 1);
        CHECK(test::count_of(r.output, "role: chain") == 1);
        answer_size = 0;
        for (; exists(base + "-" + std::to_string(answer_size)); ++answer_size) {
            const Botan::X509_Certificate c(path(base + "-" + std::to_string(answer_size)));
            if (c.is_self_signed())
                root_pem = path(base + "-" + std::to_string(answer_size));
            else if (c.is_CA_cert())
                intermediate_pem = path(base + "-" + std::to_string(answer_size));
        }
        REQUIRE_FALSE(root_pem.empty());
        REQUIRE_FALSE(intermediate_pem.empty());
    }

    test::process_result enroll(const std::string& name, const std::string& challenge,
                                std::vector<std::string> extra = {}) const
    {
        const auto m = ascep({"mkrequest", "--bits", "1024", "--prefix", path(name), "-dns",
                              name + ".example.test", challenge});
        REQUIRE(m.exit_code == 0);
        std::vector<std::string> args{"enroll", "-u", ca.url, "-c", path("ca.crt"), "-k", path(name + ".key"),
                                      "-r", path(name + ".csr"), "-l", path(name + ".crt"), "-t", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        return ascep(args);
    }

    /// `openssl verify -CAfile root -untrusted intermediate CERT...`: true
    /// when every one of them is OK.
    bool verified_under_root(const std::vector<std::string>& certs) const
    {
        std::vector<std::string> args{"openssl", "verify", "-CAfile", root_pem, "-untrusted", intermediate_pem};
        args.insert(args.end(), certs.begin(), certs.end());
        const auto r = test::run_process(args);
        INFO(r.output << r.errors);
        return r.exit_code == 0 && test::count_of(r.output, ": OK") == certs.size();
    }

    std::string serial_of(const std::string& cert) const
    {
        const auto r = test::run_process({"openssl", "x509", "-in", path(cert), "-noout", "-serial"});
        return r.output.substr(r.output.find('=') + 1, r.output.find('\n') - r.output.find('=') - 1);
    }
};

std::vector<Botan::X509_Certificate> pem_certificates(const fs::path& file)
{
    std::vector<Botan::X509_Certificate> out;
    Botan::DataSource_Stream src(file.string());
    while (!src.end_of_data()) {
        try {
            out.emplace_back(src);
        } catch (const std::exception&) {
            break;
        }
    }
    return out;
}

} // namespace

TEST_CASE("an issuing CA under a root: every operation, with and without an RA, in every chain order")
{
    const bool ra = GENERATE(false, true);
    const std::string order = GENERATE(as<std::string>{}, "leaf-first", "root-first", "random");
    INFO("--ra " << ra << ", --chain-order " << order);
    hierarchy_ca t(ra, order);
    t.getca("ca.crt");
    CHECK(t.answer_size == (ra ? 4u : 2u));

    // PKCSReq, answered PENDING once, then polled.
    auto r = t.enroll("dev", "pw");
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("pkistatus: PENDING") != std::string::npos);
    CHECK(t.verified_under_root({t.path("dev.crt")}));

    // RenewalReq signed by the issued certificate, with a new key.
    r = t.enroll("dev-new", "pw", {"-K", t.path("dev.key"), "-O", t.path("dev.crt")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.verified_under_root({t.path("dev-new.crt")}));

    // GetCert names the intermediate as issuer; GetCRL comes signed by it.
    const auto serial = t.serial_of("dev.crt");
    r = t.ascep({"getcert", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"), "-l",
                 t.path("dev.crt"), "-s", "0x" + serial, "-w", t.path("fetched.crt")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.dir.read("fetched.crt") == t.dir.read("dev.crt"));
    r = t.ascep({"getcrl", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"), "-l", t.path("dev.crt"),
                 "-w", t.path("ca.crl")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    const auto crl = test::run_process({"openssl", "crl", "-in", t.path("ca.crl"), "-CAfile", t.intermediate_pem,
                                        "-noout"});
    CHECK((crl.output + crl.errors).find("verify OK") != std::string::npos);

    // A wrong challenge: the CA can open the request, so its refusal comes
    // back as a FAILURE (72), not as an HTTP error.
    r = t.enroll("bad", "wrong");
    CHECK(r.exit_code == 72);
    CHECK(r.errors.find("badRequest") != std::string::npos);
    CHECK_FALSE(t.exists("bad.crt"));

    // A 50-device fleet reading the same chain files.
    {
        std::ofstream m(t.dir.file("devices.csv"));
        m << "id,subject\n";
        for (int i = 1; i <= 50; ++i)
            m << "d" << i << ",CN=d" << i << "\n";
    }
    r = t.ascep({"fleet", "--manifest", t.path("devices.csv"), "--out", t.path("out"), "-u", t.ca.url, "-c",
                 t.path("ca.crt"), "--challenge", "pw", "--bits", "1024", "-t", "1", "--progress", "none"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> certs;
    const Botan::X509_Certificate root(t.root_pem), intermediate(t.intermediate_pem);
    for (int i = 1; i <= 50; ++i) {
        const auto d = t.dir.file("out") / ("d" + std::to_string(i));
        certs.push_back((d / "cert.pem").string());
        const auto chain = pem_certificates(d / "chain.pem");
        REQUIRE(chain.size() == 2); // issuing CA, then the root: never an RA
        CHECK(chain[0] == intermediate);
        CHECK(chain[1] == root);
    }
    CHECK(t.verified_under_root(certs));
}

TEST_CASE("getca --json names each certificate's role; a random order gives the same roles")
{
    hierarchy_ca t(true, "random");
    std::set<std::string> orders;
    for (int i = 0; i < 6; ++i) {
        const auto r = t.ascep({"getca", "--json", "-u", t.ca.url, "-c", t.path("ca" + std::to_string(i))});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
        CHECK(test::count_of(r.output, "\"role\":\"issuing CA\"") == 1);
        CHECK(test::count_of(r.output, "\"role\":\"chain\"") == 1);
        CHECK(test::count_of(r.output, "\"role\":\"RA encryption\"") == 1);
        CHECK(test::count_of(r.output, "\"role\":\"RA signing\"") == 1);
        std::string subjects;
        for (std::size_t at = 0; (at = r.output.find("\"subject\":", at)) != std::string::npos; ++at)
            subjects += r.output.substr(at, r.output.find("\"issuer\":", at) - at);
        orders.insert(subjects);
    }
    CHECK(orders.size() > 1); // shuffled: six answers in one order would be 1 in 24^5
}
