// ascep renew against ascep-testca: not due (nothing contacted), due (a new
// key, a new serial, the old pair kept), --reuse-key, a CA without Renewal,
// a refused renewal, PENDING with -R, and a crash at every step of the swap
// followed by a re-run. The pair on disk is checked after every run: the
// certificate's public key must be the key's.
#include "background_process.hpp"
#include "cert_serial.hpp"
#include "renew_fixture.hpp"

#include <botan/bigint.h>
#include <botan/hex.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace ascep;
using namespace ascep::test;

TEST_CASE("not due: exit 0 at once with the date, and no request reaches anything")
{
    renew_fixture t;
    t.enroll("dev");
    const auto key = t.dir.read("dev.key");
    const auto cert = t.dir.read("dev.crt");
    const auto requests = test::count_of(t.log(), "\n");

    // Nothing listens on this port: a renewal that tried would fail (95).
    const auto closed = "http://127.0.0.1:" + std::to_string(test::free_port()) + "/scep";
    const auto r = t.renew("dev", {"--within", "1d"}, {}, closed);
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(test::count_of(r.output, "\n") == 1);
    CHECK(r.output.find("dev.crt expires ") != std::string::npos);
    CHECK(r.output.find("not due for renewal until ") != std::string::npos);
    CHECK(r.output.find("--within 1d") != std::string::npos);
    CHECK(t.dir.read("dev.key") == key);
    CHECK(t.dir.read("dev.crt") == cert);
    CHECK_FALSE(std::filesystem::exists(t.path("dev.key.new")));

    // Not due against the live CA either: its log has no new line.
    const auto json = t.renew("dev", {"--within", "1d", "--json"});
    CHECK(json.exit_code == 0);
    CHECK(json.output.find("\"renewed\":false") != std::string::npos);
    CHECK(json.output.find("\"due\":false") != std::string::npos);
    CHECK(json.output.find("\"renew_after\":") != std::string::npos);
    CHECK(test::count_of(t.log(), "\n") == requests);
}

TEST_CASE("due: RenewalReq with a new key, a new serial, the old pair kept as .prev; --reuse-key keeps the key")
{
    renew_fixture t;
    t.enroll("dev");
    const auto old_key = t.dir.read("dev.key");
    const auto old_cert = t.dir.read("dev.crt");
    const auto old_serial = serial_of(t.path("dev.crt"));

    auto r = t.renew("dev", {"--json"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("\"renewed\":true") != std::string::npos);
    CHECK(r.output.find("\"old_serial\":\"" + old_serial + "\"") != std::string::npos);
    CHECK(r.output.find("\"serial\":\"" + serial_of(t.path("dev.crt")) + "\"") != std::string::npos);
    CHECK(r.output.find("\"not_after\":") != std::string::npos);
    CHECK(t.log().find("RenewalReq") != std::string::npos);
    CHECK(t.pair_matches("dev"));
    CHECK(t.dir.read("dev.key") != old_key);
    CHECK(serial_of(t.path("dev.crt")) != old_serial);
    CHECK(t.dir.read("dev.key.prev") == old_key);
    CHECK(t.dir.read("dev.crt.prev") == old_cert);
    CHECK_FALSE(std::filesystem::exists(t.path("dev.key.new")));
    CHECK_FALSE(std::filesystem::exists(t.path("dev.crt.new")));
    struct stat st {};
    REQUIRE(::stat(t.path("dev.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    // --reuse-key: the same key, a new certificate for it.
    const auto key = t.dir.read("dev.key");
    const auto serial = serial_of(t.path("dev.crt"));
    r = t.renew("dev", {"--reuse-key"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("renewing with the same key") != std::string::npos);
    CHECK(t.dir.read("dev.key") == key);
    CHECK(serial_of(t.path("dev.crt")) != serial);
    CHECK(t.pair_matches("dev"));
    CHECK(t.dir.read("dev.key.prev") == key);

    // As the systemd unit runs it: everything but --within from an sscep
    // config file.
    const auto conf = t.dir.write("dev.conf", "URL " + t.ca.url + "\nCACertFile " + t.path("ca.crt").string() +
                                                  "\nPrivateKeyFile " + t.path("dev.key").string() +
                                                  "\nLocalCertFile " + t.path("dev.crt").string() + "\n");
    const auto before = serial_of(t.path("dev.crt"));
    r = renew_fixture::ascep({"renew", "-f", conf.string(), "--within", "3d", "--bits", "1024"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(serial_of(t.path("dev.crt")) != before);
    CHECK(t.pair_matches("dev"));
}

TEST_CASE("ascep-testca --validity takes a duration and refuses other text")
{
    test::temp_dir dir;
    test::testca_process ca(ASCEP_TESTCA_PATH, dir, {"--key-bits", "1024", "--validity", "10m"});
    const auto r = ca.serve_expecting_exit({"--validity", "soon"});
    CHECK(r.exit_code == 64);
    CHECK(r.errors.find("--validity must be a duration such as 30d") != std::string::npos);
    // --strict takes no value.
    const auto strict = ca.serve_expecting_exit({"--strict=yes"});
    CHECK(strict.exit_code == 64);
    CHECK(strict.errors.find("--strict takes no value") != std::string::npos);
    // 10m: a certificate that a --within of an hour finds due at once.
    const auto got = renew_fixture::ascep({"getca", "-u", ca.url, "-c", dir.file("ca.crt").string()});
    REQUIRE(got.exit_code == 0);
    REQUIRE(renew_fixture::ascep({"mkrequest", "--prefix", dir.file("dev").string(), "--bits", "1024", "-dns", "dev"})
                .exit_code == 0);
    REQUIRE(renew_fixture::ascep({"enroll", "-u", ca.url, "-c", dir.file("ca.crt").string(), "-k",
                                  dir.file("dev.key").string(), "-r", dir.file("dev.csr").string(), "-l",
                                  dir.file("dev.crt").string()})
                .exit_code == 0);
    const Botan::X509_Certificate cert(dir.file("dev.crt").string());
    const auto life = cert.not_after().to_std_timepoint() - cert.not_before().to_std_timepoint();
    CHECK(life == std::chrono::minutes(15)); // 5 minutes back for clock skew, 10 ahead
}

TEST_CASE("a CA without Renewal gets a PKCSReq signed by the old certificate, without a challenge")
{
    renew_fixture t({"--caps", "POSTPKIOperation,SHA-256,AES"});
    t.enroll("dev");
    const auto old_serial = serial_of(t.path("dev.crt"));
    const auto r = t.renew("dev");
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("sending certificate request (PKCSReq)") != std::string::npos);
    CHECK(t.log().find("RenewalReq") == std::string::npos);
    CHECK(t.pair_matches("dev"));
    CHECK(serial_of(t.path("dev.crt")) != old_serial);
}

TEST_CASE("a refused renewal leaves the old pair untouched and exits as enroll does")
{
    renew_fixture t;
    t.enroll("dev");
    const auto key = t.dir.read("dev.key");
    const auto cert = t.dir.read("dev.crt");
    REQUIRE(t.ca.command({"revoke", "0x" + serial_of(t.path("dev.crt"))}).succeeded());

    const auto r = t.renew("dev");
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 71); // badMessageCheck: a revoked signer
    CHECK(r.errors.find("renewal signer is revoked") != std::string::npos);
    CHECK(t.dir.read("dev.key") == key);
    CHECK(t.dir.read("dev.crt") == cert);
    CHECK_FALSE(std::filesystem::exists(t.path("dev.key.new")));
    CHECK_FALSE(std::filesystem::exists(t.path("dev.crt.new")));
    CHECK_FALSE(std::filesystem::exists(t.path("dev.key.prev")));
}

TEST_CASE("PENDING: exit 3 with the new key kept; -R polls for it and installs it")
{
    renew_fixture t({"--pending", "3"});
    // The first enrollment polls through the PENDING too.
    REQUIRE(renew_fixture::ascep({"mkrequest", "--prefix", t.path("dev"), "--bits", "1024", "-dns", "dev", "pw"})
                .exit_code == 0);
    REQUIRE(renew_fixture::ascep({"enroll", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"), "-r",
                                  t.path("dev.csr"), "-l", t.path("dev.crt"), "-t", "1"})
                .exit_code == 0);
    const auto cert = t.dir.read("dev.crt");

    auto r = t.renew("dev", {"-n", "1"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 3);
    REQUIRE(std::filesystem::exists(t.path("dev.key.new")));
    const auto pending_key = t.dir.read("dev.key.new");
    CHECK(t.dir.read("dev.crt") == cert);
    CHECK(t.pair_matches("dev"));

    r = t.renew("dev", {"-R"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("resuming the renewal") != std::string::npos);
    CHECK(r.output.find("sending certificate request") == std::string::npos); // -R: CertPoll only
    CHECK(t.dir.read("dev.key") == pending_key); // reused, never regenerated
    CHECK(t.pair_matches("dev"));
}

TEST_CASE("a crash at each step of the swap leaves a matching pair, and a re-run completes the renewal")
{
    renew_fixture t;
    const std::vector<std::string> steps{"key-written",   "issued",       "cert-written",
                                         "previous-kept", "cert-removed", "key-installed"};
    // One CA for all the steps; a device each.
    for (const auto& step : steps) {
        INFO("crash at " << step);
        {
            const std::string name = "dev-" + step;
            t.enroll(name);
            const auto old_key = t.dir.read(name + ".key");
            const auto old_cert = t.dir.read(name + ".crt");
            const auto old_serial = serial_of(t.path(name + ".crt"));

            auto r = t.renew(name, {}, step);
            INFO(r.output << r.errors);
            REQUIRE(r.exit_code == crash_exit);
            // The key on disk is always whole; the certificate beside it is
            // for it, or (between removing the old certificate and installing
            // the new one) absent: never another key's.
            const bool cert_there = std::filesystem::exists(t.path(name + ".crt"));
            if (cert_there)
                CHECK(t.pair_matches(name));
            else
                CHECK((step == "cert-removed" || step == "key-installed"));
            const auto key_to_install =
                std::filesystem::exists(t.path(name + ".key.new")) ? t.dir.read(name + ".key.new") : t.dir.read(name + ".key");

            r = t.renew(name);
            INFO(r.output << r.errors);
            REQUIRE(r.exit_code == 0);
            CHECK(t.pair_matches(name));
            CHECK(t.dir.read(name + ".key") == key_to_install); // the key written before the crash
            CHECK(t.dir.read(name + ".key") != old_key);
            CHECK(serial_of(t.path(name + ".crt")) != old_serial);
            CHECK(t.dir.read(name + ".key.prev") == old_key);
            CHECK(t.dir.read(name + ".crt.prev") == old_cert);
            CHECK_FALSE(std::filesystem::exists(t.path(name + ".key.new")));
            CHECK_FALSE(std::filesystem::exists(t.path(name + ".crt.new")));
            if (step == "issued")
                CHECK(t.log().find("(resent)") != std::string::npos); // the CA's certificate, not a second one
        }
    }
}

TEST_CASE("renew reads a challenge from --challenge-file before it writes anything")
{
    // --strict: the CA asks the challenge of a renewal too (by default a
    // request signed by a certificate it issued needs none), so the renewal
    // goes through only when the file's challenge reaches the CA.
    renew_fixture t({"--strict"});
    t.enroll("dev");
    const auto old_serial = test::testca_serial_of(t.path("dev.crt"));
    const auto key = t.dir.read("dev.key");

    // A missing file is a configuration error (93), heard of at once: no
    // new key is made, nothing is sent.
    const auto missing = t.renew("dev", {"--challenge-file", t.path("no-such-file").string()});
    INFO(missing.output << missing.errors);
    CHECK(missing.exit_code == 93);
    CHECK(missing.errors.find("no-such-file") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(t.path("dev.key.new")));
    CHECK(t.dir.read("dev.key") == key);

    // A file with another challenge: it reaches the CA, which refuses
    // (FAILURE badRequest, 72); the pair is untouched, the secret in no output.
    t.dir.write("wrong.txt", "renewal-secret-4711\n");
    const auto refused = t.renew("dev", {"--challenge-file", t.path("wrong.txt").string(), "-v", "--json"});
    INFO(refused.output << refused.errors);
    CHECK(refused.exit_code == 72);
    CHECK(t.log().find("RenewalReq") != std::string::npos);
    CHECK(t.log().find("wrong challenge password (--strict)") != std::string::npos);
    CHECK(t.dir.read("dev.key") == key);
    CHECK(test::testca_serial_of(t.path("dev.crt")) == old_serial);
    CHECK(refused.output.find("renewal-secret-4711") == std::string::npos);
    CHECK(refused.errors.find("renewal-secret-4711") == std::string::npos);

    // The CA's challenge in the file: a new RenewalReq signed by the current
    // certificate is issued.
    t.dir.write("challenge.txt", "pw\n");
    const auto r = t.renew("dev", {"--challenge-file", t.path("challenge.txt").string(), "-v", "--json"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.pair_matches("dev"));
    CHECK(t.dir.read("dev.key") != key);
    CHECK(t.log().find(" new signer=" + old_serial + " (issued here) SUCCESS") != std::string::npos);
    CHECK(r.output.find("renewal-secret-4711") == std::string::npos);
    CHECK(r.errors.find("renewal-secret-4711") == std::string::npos);
}

TEST_CASE("renew keeps the old certificate's subject and subjectAltNames")
{
    renew_fixture t;
    REQUIRE(renew_fixture::ascep({"mkrequest", "--prefix", t.path("dev"), "--bits", "1024", "--subject",
                                  "CN=dev.example.test,OU=Net,O=Example\\, Inc.,C=DE", "-dns", "dev.example.test",
                                  "-dns", "alt.example.test", "-ip", "192.0.2.7", "-email", "ops@example.test", "pw"})
                .exit_code == 0);
    auto r = renew_fixture::ascep({"enroll", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"), "-r",
                                   t.path("dev.csr"), "-l", t.path("dev.crt")});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    const Botan::X509_Certificate old(t.path("dev.crt").string());
    REQUIRE(old.subject_alt_name().contents().size() == 4);

    r = t.renew("dev");
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    const Botan::X509_Certificate renewed(t.path("dev.crt").string());
    CHECK(renewed.serial_number() != old.serial_number());
    CHECK(renewed.raw_subject_dn() == old.raw_subject_dn());
    CHECK(renewed.subject_alt_name().contents() == old.subject_alt_name().contents());
    // And as openssl prints them.
    const auto text = [](const std::filesystem::path& cert) {
        return test::run_process({"openssl", "x509", "-in", cert.string(), "-noout", "-subject", "-ext",
                                  "subjectAltName", "-nameopt", "RFC2253"})
            .output;
    };
    CHECK(text(t.path("dev.crt")) == text(t.path("dev.crt.prev")));
    CHECK(text(t.path("dev.crt")).find("IP Address:192.0.2.7") != std::string::npos);
}
