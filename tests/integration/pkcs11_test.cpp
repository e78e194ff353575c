// Token keys end to end: a SoftHSM2 token of the test's own (SOFTHSM2_CONF
// in its temporary directory), ascep-testca and the Debian scepserver. The
// key pair is made on the token by mkrequest, enrolled (and the certificate
// stored beside it), polled for, used for getcert, getcrl and inspect,
// renewed with a crash at every step; bad PINs, keys and modules fail
// cleanly and the PIN never shows. Afterwards pkcs11-tool must show every
// private key sensitive and never extractable, and no private key file may
// exist outside the token's own store.
#include "ascep_workdir.hpp"
#include "run_process.hpp"
#include "scepserver.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"
#include "token_fixture.hpp"

#include <botan/hex.h>
#include <botan/x509cert.h>
#include <catch2/catch.hpp>

using namespace ascep;
using Catch::Matchers::Contains;

namespace {

using token_fixture = test::token_fixture<test::softhsm>;

} // namespace

TEST_CASE("mkrequest on the token, enroll against ascep-testca, --store-cert, getcert, getcrl, inspect")
{
    token_fixture t;
    t.make_key("dev");

    // The label is taken: refused without --replace-key, replaced with it.
    auto r = t.run({"mkrequest", "-k", t.hsm.uri("dev"), "-r", t.path("other.csr"), "--bits", "1024", "-dns", "x"});
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("a key labelled 'dev' is already on the token 'gw': give --replace-key"));
    CHECK_FALSE(t.exists("other.csr"));
    CHECK(t.keys_labelled("dev") == 1);
    t.make_key("spare");
    r = t.run({"mkrequest", "-k", t.hsm.uri("spare"), "-r", t.path("spare.csr"), "--bits", "1024", "-dns",
               "spare.example.test", "pw", "--replace-key"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(t.keys_labelled("spare") == 1);

    r = t.enroll("dev", {"--store-cert"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("certificate written as " + t.path("dev.crt")) != std::string::npos);
    CHECK(r.output.find("certificate stored on the token beside the key") != std::string::npos);
    CHECK(t.key_matches("dev", "dev.crt"));
    const auto listing = t.hsm.objects();
    CHECK_THAT(listing, Contains("Certificate Object"));
    CHECK(test::count_of(listing, "label:      dev\n") == 3); // private, public, certificate

    // getcert and getcrl: the queries signed by the token key, the replies
    // opened by it.
    const auto serial = test::serial_of(t.path("dev.crt"));
    r = t.run({"getcert", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.hsm.uri("dev"), "-l", t.path("dev.crt"),
               "-s", "0x" + serial, "-w", t.path("got.crt")});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(t.dir.read("got.crt") == t.dir.read("dev.crt"));
    r = t.run({"getcrl", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.hsm.uri("dev"), "-l", t.path("dev.crt"),
               "-w", t.path("ca.crl")});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(t.exists("ca.crl"));

    // inspect: a reply encrypted to the token key, opened by the token.
    r = t.run({"enroll", "-c", t.path("ca.crt"), "-k", t.hsm.uri("spare"), "-r", t.path("spare.csr"), "-l",
               t.path("never.crt"), "-m", t.path("spare-req.der"), "-L", t.path("spare-self.crt"), "-E", "aes", "-S",
               "sha256"});
    REQUIRE(r.exit_code == 0);
    const auto posted = test::run_process({"curl", "-sS", "--fail", "-o", t.path("spare-rep.der"), "-H",
                                           "Content-Type: application/x-pki-message", "--data-binary",
                                           "@" + t.path("spare-req.der"), t.ca.url + "?operation=PKIOperation"});
    INFO(posted.errors);
    REQUIRE(posted.exit_code == 0);
    r = t.run({"inspect", t.path("spare-rep.der"), "-c", t.path("ca.crt"), "-k", t.hsm.uri("spare"), "-l",
               t.path("spare-self.crt"), "--json"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("\"pki_status\":\"SUCCESS\"") != std::string::npos);
    CHECK(r.output.find("spare.example.test") != std::string::npos);

    t.check_keys_stayed_on_token();
}

TEST_CASE("a token key: PENDING, then -R polls and installs")
{
    token_fixture t({"--pending", "3"});
    t.make_key("dev");
    auto r = t.enroll("dev", {"-n", "1"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 3);
    CHECK_FALSE(t.exists("dev.crt"));
    r = t.enroll("dev", {"-R"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("pkistatus: SUCCESS") != std::string::npos);
    CHECK(t.key_matches("dev", "dev.crt"));
    t.check_keys_stayed_on_token();
}

TEST_CASE("a wrong PIN, a missing key, a missing module: exit 93, a clear line, no PIN anywhere")
{
    token_fixture t;
    t.make_key("dev");
    const auto wrong = t.dir.write("wrong.pin", "Wrong-PIN-5555\n").string();
    const std::vector<std::string> base{ASCEP_PATH, "enroll", "-u", t.ca.url, "-c", t.path("ca.crt"), "-r",
                                        t.path("dev.csr"), "-l", t.path("dev.crt")};

    auto r = test::run_process(token_fixture::cat(
        base, {"-k", t.hsm.uri("dev"), "--pkcs11-module", test::softhsm::module, "--pin-file", wrong}));
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("the token 'gw' refused the PIN: CKR_PIN_INCORRECT"));
    CHECK(r.output.find("Wrong-PIN-5555") == std::string::npos);
    CHECK(r.errors.find("Wrong-PIN-5555") == std::string::npos);

    r = test::run_process(token_fixture::cat(base, token_fixture::cat({"-k", t.hsm.uri("nosuch")}, t.token_args())));
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("no private key labelled 'nosuch' on the token 'gw'"));

    r = test::run_process(token_fixture::cat(base, {"-k", t.hsm.uri("dev"), "--pkcs11-module",
                                                    t.path("no-such-module.so"), "--pin-file", t.hsm.pin_file()}));
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("cannot load the PKCS#11 module " + t.path("no-such-module.so")));

    // The PIN from ASCEP_PIN, and none at all.
    r = test::run_process(token_fixture::cat({"env", "ASCEP_PIN=Wrong-PIN-5555"},
                                             token_fixture::cat(base, {"-k", t.hsm.uri("dev"), "--pkcs11-module",
                                                                       test::softhsm::module})));
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("CKR_PIN_INCORRECT"));
    CHECK(r.errors.find("Wrong-PIN-5555") == std::string::npos);
    r = test::run_process(
        token_fixture::cat(base, {"-k", t.hsm.uri("dev"), "--pkcs11-module", test::softhsm::module}));
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("the token 'gw' needs a PIN: give it with --pin-file FILE"));
    // A PIN in the URI is refused: URIs are typed on command lines.
    r = test::run_process(token_fixture::cat(
        base, token_fixture::cat({"-k", t.hsm.uri("dev") + "?pin-value=Wrong-PIN-5555"}, t.token_args())));
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("carries a pin-value"));
    CHECK(r.errors.find("Wrong-PIN-5555") == std::string::npos);
    CHECK_FALSE(t.exists("dev.crt"));

    // pin-source=file: in the URI works.
    r = test::run_process(token_fixture::cat(
        base, {"-k", t.hsm.uri("dev") + "?pin-source=file:" + t.hsm.pin_file() + "&module-path=" +
                     test::softhsm::module}));
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(t.key_matches("dev", "dev.crt"));
}

TEST_CASE("sscep compatibility: -g pkcs11 with labels and URIs, -g capi, an sscep 0.10 config with a pkcs11 engine")
{
    token_fixture t;
    t.make_key("dev");
    t.make_key("cfg");

    auto r = t.run({"enroll", "-g", "pkcs11", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", "label_dev", "-r",
                    t.path("dev.csr"), "-l", t.path("dev.crt")});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK(t.key_matches("dev", "dev.crt"));

    r = t.run({"enroll", "-g", "capi", "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", "dev", "-r", t.path("dev.csr"),
               "-l", t.path("capi.crt")});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.errors, Contains("engine 'capi' is not supported"));
    CHECK_THAT(r.errors, Contains("pkcs11:token="));

    const auto conf = t.dir.write("sscep.conf", "[sscep]\nURL = " + t.ca.url + "\nCACertFile = " + t.path("ca.crt") +
                                                    "\nengine = sscep_engine\n"
                                                    "[sscep_engine]\nengine_id = pkcs11\nMODULE_PATH = " +
                                                    test::softhsm::module +
                                                    "\n[sscep_engine_pkcs11]\nPIN = " + t.hsm.pin() +
                                                    "\n[sscep_enroll]\nPrivateKeyFile = cfg\nCertReqFile = " +
                                                    t.path("cfg.csr") + "\nLocalCertFile = " + t.path("cfg.crt") +
                                                    "\n");
    r = test::run_process({ASCEP_PATH, "enroll", "-f", conf.string()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.errors, Contains("a PIN in the config file is used; a PIN file is safer"));
    CHECK(r.output.find(t.hsm.pin()) == std::string::npos);
    CHECK(r.errors.find(t.hsm.pin()) == std::string::npos);
    CHECK(t.key_matches("cfg", "cfg.crt"));

    const auto capi = t.dir.write("capi.conf", "[sscep]\nURL = " + t.ca.url + "\nengine = e\n[e]\nengine_id = capi\n");
    r = test::run_process({ASCEP_PATH, "enroll", "-f", capi.string()});
    CHECK(r.exit_code == 93);
    CHECK_THAT(r.errors, Contains("engine_id 'capi': OpenSSL engines are not supported"));
    t.check_keys_stayed_on_token();
}

TEST_CASE("renew a token key: a crash at every step, then a re-run; one current key, one previous")
{
    for (const std::string point :
         {"", "key-written", "issued", "cert-written", "previous-kept", "cert-removed", "key-installed"}) {
        DYNAMIC_SECTION("crash at '" << point << "'")
        {
            token_fixture t;
            t.make_key("dev");
            REQUIRE(t.enroll("dev").exit_code == 0);
            const auto old_serial = test::serial_of(t.path("dev.crt"));
            if (!point.empty()) {
                const auto crashed = t.renew("dev", {}, point);
                INFO(crashed.output << crashed.errors);
                REQUIRE(crashed.exit_code == test::crash_exit);
                CHECK(t.keys_labelled("dev.pending") + t.keys_labelled("dev") >= 1);
                CHECK(t.keys_labelled("dev.pending") <= 1);
            }
            const auto r = t.renew("dev", {"--json"});
            INFO(r.output << r.errors);
            REQUIRE(r.exit_code == 0);
            CHECK(r.output.find("\"renewed\":true") != std::string::npos);
            CHECK(test::serial_of(t.path("dev.crt")) != old_serial);
            CHECK(t.keys_labelled("dev") == 1);
            CHECK(t.keys_labelled("dev.pending") == 0);
            CHECK(t.keys_labelled("dev.prev") == 1);
            CHECK(t.key_matches("dev", "dev.crt"));
            CHECK(t.key_matches("dev.prev", "dev.crt.prev"));
            CHECK_FALSE(t.exists("dev.crt.new"));
            if (point.empty()) {
                // The next renewal removes the key the last one kept.
                const auto second = t.renew("dev");
                INFO(second.output << second.errors);
                REQUIRE(second.exit_code == 0);
                CHECK(t.keys_labelled("dev") == 1);
                CHECK(t.keys_labelled("dev.prev") == 1);
                CHECK(t.key_matches("dev.prev", "dev.crt.prev"));
                CHECK(t.key_matches("dev", "dev.crt"));
            }
            t.check_keys_stayed_on_token();
        }
    }
}

#ifdef ASCEP_HAVE_SCEPSERVER
TEST_CASE("a key made on the token enrolls against the Debian scepserver")
{
    test::ascep_workdir w;
    test::softhsm hsm(w.dir);
    test::scepserver server("secret");
    const std::vector<std::string> token{"--pkcs11-module", test::softhsm::module, "--pin-file", hsm.pin_file()};
    REQUIRE(w.ascep({"getca", "-u", server.url(), "-c", w.path("ca.crt")}).exit_code == 0);
    auto r = w.ascep(token_fixture::cat({"mkrequest", "-k", hsm.uri("dev"), "-r", w.path("dev.csr"), "-dns",
                                         "dev.example.test", "secret"},
                                        token));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    r = w.ascep(token_fixture::cat({"enroll", "-u", server.url(), "-c", w.path("ca.crt"), "-k", hsm.uri("dev"), "-r",
                                    w.path("dev.csr"), "-l", w.path("dev.crt")},
                                   token));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    const auto listing = hsm.objects();
    CHECK(test::count_of(listing, "Private Key Object") == 1);
    CHECK(test::count_of(listing, "Access:     sensitive, always sensitive, never extractable") == 1);
    for (const auto& f : test::private_key_files(w.dir.path(), hsm.store()))
        CHECK(f.string().find("depot") != std::string::npos); // scepserver's CA key, not ours
    const auto verify = test::run_process({"openssl", "verify", "-CAfile", w.path("ca.crt"), w.path("dev.crt")});
    CHECK(verify.exit_code == 0);
}
#endif
