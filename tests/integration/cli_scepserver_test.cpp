// The ascep binary, run the way a user runs it, against the Debian scepserver:
// exit codes, output lines and the files it writes, checked with openssl.
#include "run_process.hpp"
#include "scepserver.hpp"
#include "temp_dir.hpp"

#include "transport/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace ascep;

namespace {

struct cli_fixture {
    test::scepserver server;
    test::temp_dir dir;

    std::string path(const std::string& name) const { return dir.file(name).string(); }

    test::process_result ascep(std::vector<std::string> args) const
    {
        args.insert(args.begin(), ASCEP_PATH);
        return test::run_process(args);
    }

    test::process_result openssl(std::vector<std::string> args) const
    {
        args.insert(args.begin(), "openssl");
        return test::run_process(args);
    }

    bool exists(const std::string& name) const
    {
        struct stat st {};
        return ::stat(path(name).c_str(), &st) == 0;
    }

    /// getca and mkrequest, which every enrollment needs.
    void prepare(const std::string& prefix = "local", const std::string& challenge = "secret")
    {
        if (!exists("ca.crt")) {
            const auto r = ascep({"getca", "-u", server.url(), "-c", path("ca.crt")});
            REQUIRE(r.exit_code == 0);
        }
        const auto r = ascep({"mkrequest", "--prefix", path(prefix), "-dns", prefix + ".example.com", challenge});
        INFO(r.errors);
        REQUIRE(r.exit_code == 0);
    }

    /// Sends `body` to the server as a PKIOperation POST and returns the raw
    /// reply: the real server's bytes, for inspect to decode.
    std::vector<std::uint8_t> exchange_raw(const std::string& query, std::vector<std::uint8_t> body = {}) const
    {
        boost::asio::io_context ioc;
        transport::http_client http(ioc.get_executor());
        transport::diagnostics diag;
        std::vector<std::uint8_t> reply;
        transport::request req;
        req.method = body.empty() ? transport::http_method::get : transport::http_method::post;
        req.url = server.url() + "?" + query;
        req.body = std::move(body);
        boost::asio::co_spawn(
            ioc,
            [&]() -> boost::asio::awaitable<void> {
                auto r = co_await http.async_request(std::move(req), diag);
                if (r)
                    reply = std::move(r->body);
            },
            boost::asio::detached);
        ioc.run_for(std::chrono::seconds(20));
        REQUIRE_FALSE(reply.empty());
        return reply;
    }

    std::string verify(const std::string& cert) const
    {
        const auto r = openssl({"verify", "-CAfile", path("ca.crt"), path(cert)});
        return r.output + r.errors;
    }
};

} // namespace

TEST_CASE_METHOD(cli_fixture, "getcaps prints the capabilities")
{
    const auto r = ascep({"getcaps", "-u", server.url()});
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("ascep: SCEPStandard\n") != std::string::npos);
    CHECK(r.output.find("ascep: POSTPKIOperation\n") != std::string::npos);
}

TEST_CASE_METHOD(cli_fixture, "getca writes the CA certificate and prints its fingerprint")
{
    const auto r = ascep({"getca", "-u", server.url(), "-c", path("ca.crt"), "-F", "sha256"});
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("ascep: SHA256 fingerprint: ") != std::string::npos);
    CHECK(r.output.find("CA certificate written as " + path("ca.crt")) != std::string::npos);
    const auto same = openssl({"x509", "-in", path("ca.crt"), "-noout", "-fingerprint", "-sha256"});
    REQUIRE(same.exit_code == 0);
    // openssl prints "sha256 Fingerprint=AB:CD:..."; ours must carry the same hex.
    const auto hex = same.output.substr(same.output.find('=') + 1, 95);
    CHECK(r.output.find(hex) != std::string::npos);
}

TEST_CASE_METHOD(cli_fixture, "mkrequest writes a 0600 key and a request with the name")
{
    prepare("dev");
    struct stat st {};
    REQUIRE(::stat(path("dev.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const auto req = openssl({"req", "-in", path("dev.csr"), "-noout", "-verify", "-text"});
    CHECK(req.exit_code == 0);
    CHECK(req.output.find("CN = dev.example.com") != std::string::npos);
    CHECK(req.output.find("DNS:dev.example.com") != std::string::npos);
    CHECK(req.output.find("challengePassword") != std::string::npos);
}

TEST_CASE_METHOD(cli_fixture, "enroll for every -E x -S pair, by GET and POST, from both config formats")
{
    prepare();
    int n = 0;
    for (const std::string cipher : {"aes", "3des", "des"}) {
        for (const std::string digest : {"sha1", "sha256", "sha512"}) {
            for (const std::string method : {"GET", "POST"}) {
                for (const bool sectioned : {false, true}) {
                    const std::string cert = "cert-" + std::to_string(n) + ".crt";
                    const std::string conf = path("sscep-" + std::to_string(n++) + ".conf");
                    std::ofstream out(conf);
                    if (sectioned) {
                        out << "[sscep]\nURL = " << server.url() << "\nCACertFile = " << path("ca.crt")
                            << "\nEncAlgorithm = " << cipher << "\nSigAlgorithm = " << digest
                            << "\n[sscep_enroll]\nPrivateKeyFile = " << path("local.key")
                            << "\nCertReqFile = " << path("local.csr") << "\nLocalCertFile = " << path(cert)
                            << "\n";
                    } else {
                        out << "# flat sscep.conf\nURL " << server.url() << "\nCACertFile \"" << path("ca.crt")
                            << "\"\nEncAlgorithm " << cipher << "\nSigAlgorithm " << digest
                            << "\nPrivateKeyFile " << path("local.key") << "\nCertReqFile " << path("local.csr")
                            << "\nLocalCertFile " << path(cert) << "\n";
                    }
                    out.close();
                    CAPTURE(cipher, digest, method, sectioned);
                    const auto r = ascep({"enroll", "-f", conf, "--method", method, "-v"});
                    INFO(r.output << r.errors);
                    REQUIRE(r.exit_code == 0);
                    CHECK(r.output.find("using " + std::string(cipher == "aes" ? "aes128" : cipher) + " and " +
                                        digest + ", " + method) != std::string::npos);
                    CHECK(r.output.find("ascep: pkistatus: SUCCESS") != std::string::npos);
                    CHECK(verify(cert).find(": OK") != std::string::npos);
                }
            }
        }
    }
}

TEST_CASE_METHOD(cli_fixture, "a wrong challenge exits 72 and writes nothing")
{
    prepare("bad", "not-the-secret");
    const auto r = ascep({"enroll", "-u", server.url(), "-c", path("ca.crt"), "-k", path("bad.key"), "-r",
                          path("bad.csr"), "-l", path("bad.crt")});
    CHECK(r.exit_code == 72);
    CHECK(r.errors.find("failInfo badRequest") != std::string::npos);
    CHECK_FALSE(exists("bad.crt"));
}

TEST_CASE_METHOD(cli_fixture, "renewal with -O and -K")
{
    prepare();
    auto r = ascep({"enroll", "-u", server.url(), "-c", path("ca.crt"), "-k", path("local.key"), "-r",
                    path("local.csr"), "-l", path("first.crt")});
    REQUIRE(r.exit_code == 0);
    prepare("next");
    r = ascep({"enroll", "-u", server.url(), "-c", path("ca.crt"), "-k", path("next.key"), "-r", path("next.csr"),
               "-l", path("renewed.crt"), "-O", path("first.crt"), "-K", path("local.key")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    // scepserver lists Renewal, so the request is a RenewalReq signed by the old certificate.
    CHECK(r.output.find("(RenewalReq)") != std::string::npos);
    CHECK(verify("renewed.crt").find(": OK") != std::string::npos);
    const auto key = openssl({"x509", "-in", path("renewed.crt"), "-noout", "-pubkey"});
    const auto expected = openssl({"pkey", "-in", path("next.key"), "-pubout"});
    CHECK(key.output == expected.output);
}

TEST_CASE_METHOD(cli_fixture, "enroll -m writes the request without sending it; openssl opens it")
{
    prepare();
    const auto r = ascep({"enroll", "-c", path("ca.crt"), "-k", path("local.key"), "-r", path("local.csr"), "-l",
                          path("never.crt"), "-m", path("req.der"), "-E", "3des", "-S", "sha256"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(exists("never.crt"));
    const auto signed_part = openssl({"cms", "-verify", "-noverify", "-inform", "DER", "-in", path("req.der"),
                                      "-out", path("envelope.der")});
    INFO(signed_part.errors);
    REQUIRE(signed_part.exit_code == 0);
    const auto opened = openssl({"cms", "-decrypt", "-inform", "DER", "-in", path("envelope.der"), "-recip",
                                 server.ca_cert().string(), "-inkey", server.ca_key().string(), "-passin", "pass:",
                                 "-out", path("inner.der")});
    INFO(opened.errors);
    REQUIRE(opened.exit_code == 0);
    const auto csr = openssl({"req", "-in", path("local.csr"), "-outform", "DER", "-out", path("local.der")});
    REQUIRE(csr.exit_code == 0);
    CHECK(dir.read("inner.der") == dir.read("local.der"));
}

TEST_CASE_METHOD(cli_fixture, "inspect decodes the request, the replies and the CA certificate of a real run")
{
    prepare();
    prepare("bad", "not-the-secret");
    for (const std::string who : {"local", "bad"}) {
        const auto m = ascep({"enroll", "-c", path("ca.crt"), "-k", path(who + ".key"), "-r", path(who + ".csr"),
                              "-l", path("never.crt"), "-m", path(who + "-req.der"), "-L", path(who + "-self.crt"),
                              "-E", "aes", "-S", "sha256"});
        REQUIRE(m.exit_code == 0);
        dir.write(who + "-rep.der", exchange_raw("operation=PKIOperation", dir.read(who + "-req.der")));
    }
    dir.write("getca.der", exchange_raw("operation=GetCACert"));

    // The request, opened with the CA's key: scepserver's key is PEM-encrypted,
    // so inspect reads a decrypted copy.
    REQUIRE(openssl({"pkey", "-in", server.ca_key().string(), "-passin", "pass:", "-out", path("ca.key")})
                .exit_code == 0);
    auto r = ascep({"inspect", path("local-req.der"), "-k", path("ca.key"), "-l", server.ca_cert().string()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("messageType: PKCSReq (19)") != std::string::npos);
    CHECK(r.output.find("CN=local.example.com") != std::string::npos);

    // The SUCCESS reply, checked with the CA certificate and opened with our
    // key and the self-signed certificate the request was signed with (-L).
    r = ascep({"inspect", path("local-rep.der"), "-c", path("ca.crt"), "-k", path("local.key"), "-l",
               path("local-self.crt"), "--json"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("\"message_type\":\"CertRep\"") != std::string::npos);
    CHECK(r.output.find("\"pki_status\":\"SUCCESS\"") != std::string::npos);
    CHECK(r.output.find("local.example.com") != std::string::npos);

    // The FAILURE reply to the wrong challenge.
    r = ascep({"inspect", path("bad-rep.der"), "-c", path("ca.crt"), "--json"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("\"pki_status\":\"FAILURE\"") != std::string::npos);
    CHECK(r.output.find("\"fail_info\":\"badRequest\"") != std::string::npos);

    // The GetCACert response: one DER certificate.
    r = ascep({"inspect", path("getca.der")});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("scep-ca") != std::string::npos);
}

TEST_CASE("usage, --help and --version")
{
    const auto none = test::run_process({ASCEP_PATH});
    CHECK(none.exit_code == 1);
    CHECK(none.errors.find("usage: ascep OPERATION") != std::string::npos);
    const auto help = test::run_process({ASCEP_PATH, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("usage: ascep OPERATION") != std::string::npos);
    const auto version = test::run_process({ASCEP_PATH, "--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.output.rfind("ascep ", 0) == 0);
    const auto bad = test::run_process({ASCEP_PATH, "enroll", "-u", "http://127.0.0.1:1/scep"});
    CHECK(bad.exit_code == 1);
    CHECK(bad.errors.find("missing CA certificate (-c)") != std::string::npos);
}
