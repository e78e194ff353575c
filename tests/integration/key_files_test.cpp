// Passphrase-protected key files through the ascep binary against
// ascep-testca: keys openssl encrypts are read (enroll), keys ascep writes
// are read back by openssl, each --key-pass form, a wrong or missing
// passphrase, pass: on argv, and the legacy formats' conversion hint.
#include "ascep_workdir.hpp"
#include "run_process.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <unistd.h>

using namespace ascep;

namespace {

const std::string passphrase_text = "Tr0ub4dor &3 correct horse";

struct key_files : test::ascep_workdir {
    test::testca_process ca{ASCEP_TESTCA_PATH, dir, {"--key-bits", "2048"}};

    key_files()
    {
        dir.write("pw.txt", passphrase_text + "\n");
        dir.write("wrong.txt", "not the passphrase\n");
        const auto r = ascep({"getca", "-u", ca.url, "-c", path("ca.crt")});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
    }

    test::process_result openssl(std::vector<std::string> args) const
    {
        args.insert(args.begin(), "openssl");
        return test::run_process(args);
    }

    void require_openssl(std::vector<std::string> args) const
    {
        const auto r = openssl(std::move(args));
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
    }

    /// A request for the (encrypted) key `key`, made by openssl.
    void openssl_csr(const std::string& key, const std::string& csr) const
    {
        require_openssl({"req", "-new", "-key", path(key), "-passin", "file:" + path("pw.txt"), "-subj", "/CN=dev",
                         "-out", path(csr)});
    }

    test::process_result enroll(const std::string& key, const std::string& csr, const std::string& cert,
                                std::vector<std::string> extra) const
    {
        std::vector<std::string> args{"enroll", "-u", ca.url, "-c", path("ca.crt"), "-k", path(key),
                                      "-r", path(csr), "-l", path(cert)};
        args.insert(args.end(), extra.begin(), extra.end());
        return ascep(args);
    }

    /// The public key of a certificate and of an (encrypted) key, as openssl sees them.
    std::string cert_public_key(const std::string& cert) const
    {
        return openssl({"x509", "-in", path(cert), "-noout", "-pubkey"}).output;
    }
    std::string key_public_key(const std::string& key) const
    {
        const auto r = openssl({"pkey", "-in", path(key), "-passin", "file:" + path("pw.txt"), "-pubout"});
        REQUIRE(r.exit_code == 0);
        return r.output;
    }

    std::string text(const std::string& name) const { return test::slurp(dir.file(name)); }
};

/// No output of a run holds the passphrase (or the wrong one tried).
void check_no_secret(const test::process_result& r)
{
    CHECK(r.output.find(passphrase_text) == std::string::npos);
    CHECK(r.errors.find(passphrase_text) == std::string::npos);
    CHECK(r.output.find("not the passphrase") == std::string::npos);
    CHECK(r.errors.find("not the passphrase") == std::string::npos);
}

/// A pipe whose read end the next ascep inherits, holding `text`.
struct passphrase_pipe {
    int read_end = -1;
    explicit passphrase_pipe(const std::string& text)
    {
        int fds[2];
        REQUIRE(::pipe(fds) == 0); // no O_CLOEXEC: posix_spawn passes it on
        REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
        ::close(fds[1]);
        read_end = fds[0];
    }
    ~passphrase_pipe() { ::close(read_end); }
    std::string option() const { return "fd:" + std::to_string(read_end); }
};

} // namespace

TEST_CASE("keys openssl encrypts (genpkey -aes256, pkcs8 -topk8 -v2 aes256, PEM and DER) enroll")
{
    key_files t;
    const std::string pw = "file:" + t.path("pw.txt");
    SECTION("openssl genpkey -aes256")
    {
        t.require_openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", pw,
                           "-out", t.path("dev.key")});
    }
    SECTION("openssl pkcs8 -topk8 -v2 aes256, PEM")
    {
        t.require_openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", t.path("plain.key")});
        t.require_openssl({"pkcs8", "-topk8", "-v2", "aes256", "-in", t.path("plain.key"), "-passout", pw, "-out",
                           t.path("dev.key")});
    }
    SECTION("openssl pkcs8 -topk8 -v2 aes256, DER")
    {
        t.require_openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", t.path("plain.key")});
        t.require_openssl({"pkcs8", "-topk8", "-v2", "aes256", "-outform", "DER", "-in", t.path("plain.key"), "-passout",
                           pw, "-out", t.path("dev.key")});
    }
    t.openssl_csr("dev.key", "dev.csr");
    const auto r = t.enroll("dev.key", "dev.csr", "dev.crt", {"--key-pass", pw});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.cert_public_key("dev.crt") == t.key_public_key("dev.key"));
    check_no_secret(r);
}

TEST_CASE("each --key-pass form: mkrequest writes a key openssl reads, enroll reads it")
{
    key_files t;
    std::string form;
    std::optional<passphrase_pipe> pipe_for_mkrequest, pipe_for_enroll;
    SECTION("file:")
    {
        form = "file:" + t.path("pw.txt");
    }
    SECTION("env:")
    {
        ::setenv("ASCEP_TEST_KEY_PASS", passphrase_text.c_str(), 1);
        form = "env:ASCEP_TEST_KEY_PASS";
    }
    SECTION("fd: an inherited descriptor")
    {
        pipe_for_mkrequest.emplace(passphrase_text + "\n");
        form = pipe_for_mkrequest->option();
    }
    const auto m = t.ascep({"mkrequest", "--prefix", t.path("dev"), "-dns", "dev.example.test", "--key-pass", form});
    INFO(m.output << m.errors);
    REQUIRE(m.exit_code == 0);
    check_no_secret(m);

    // Encrypted as openssl pkcs8 -topk8 -v2 aes256 does; openssl reads it
    // with the passphrase and not without.
    CHECK(t.text("dev.key").rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0);
    const auto parsed = t.openssl({"asn1parse", "-in", t.path("dev.key")}).output;
    CHECK(parsed.find("PBES2") != std::string::npos);
    CHECK(parsed.find("PBKDF2") != std::string::npos);
    CHECK(parsed.find("aes-256-cbc") != std::string::npos);
    CHECK(parsed.find("hmacWithSHA256") != std::string::npos);
    const auto p = t.openssl({"pkey", "-in", t.path("dev.key"), "-passin", "file:" + t.path("pw.txt"), "-noout"});
    INFO(p.errors);
    CHECK(p.exit_code == 0);
    CHECK(t.openssl({"pkey", "-in", t.path("dev.key"), "-passin", "file:" + t.path("wrong.txt"), "-noout"}).exit_code != 0);

    if (pipe_for_mkrequest) { // a descriptor is read once: the next run gets its own
        pipe_for_enroll.emplace(passphrase_text + "\n");
        form = pipe_for_enroll->option();
    }
    const auto r = t.enroll("dev.key", "dev.csr", "dev.crt", {"--key-pass", form});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    check_no_secret(r);
    CHECK(t.cert_public_key("dev.crt") == t.key_public_key("dev.key"));
    ::unsetenv("ASCEP_TEST_KEY_PASS");
}

TEST_CASE("a wrong or missing passphrase: exit 93, nothing written, no passphrase in any output")
{
    key_files t;
    const std::string pw = "file:" + t.path("pw.txt");
    const std::string wrong = "file:" + t.path("wrong.txt");
    REQUIRE(t.ascep({"mkrequest", "--prefix", t.path("dev"), "-dns", "dev.example.test", "--key-pass", pw}).exit_code ==
            0);
    const auto key_before = t.text("dev.key");

    SECTION("enroll")
    {
        auto r = t.enroll("dev.key", "dev.csr", "dev.crt", {"--key-pass", wrong});
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 93);
        CHECK(r.errors.find("wrong passphrase") != std::string::npos);
        check_no_secret(r);
        CHECK_FALSE(t.exists("dev.crt"));

        r = t.enroll("dev.key", "dev.csr", "dev.crt", {});
        CHECK(r.exit_code == 93);
        CHECK(r.errors.find("is encrypted: give its passphrase with --key-pass") != std::string::npos);
        CHECK_FALSE(t.exists("dev.crt"));

        r = t.enroll("dev.key", "dev.csr", "dev.crt", {"--key-pass", "file:" + t.path("missing.txt")});
        CHECK(r.exit_code == 93);
        CHECK(r.errors.find("missing.txt") != std::string::npos);
        CHECK_FALSE(t.exists("dev.crt"));
    }
    SECTION("getcert and getcrl")
    {
        REQUIRE(t.enroll("dev.key", "dev.csr", "dev.crt", {"--key-pass", pw}).exit_code == 0);
        for (const char* op : {"getcert", "getcrl"}) {
            std::vector<std::string> args{op, "-u", t.ca.url, "-c", t.path("ca.crt"), "-k", t.path("dev.key"),
                                          "-l", t.path("dev.crt"), "-w", t.path("out.pem"), "--key-pass", wrong};
            if (std::string(op) == "getcert")
                args.insert(args.end(), {"-s", "1"});
            const auto r = t.ascep(args);
            INFO(op << r.output << r.errors);
            CHECK(r.exit_code == 93);
            CHECK(r.errors.find("wrong passphrase") != std::string::npos);
            check_no_secret(r);
            CHECK_FALSE(t.exists("out.pem"));
        }
    }
    SECTION("inspect -k")
    {
        t.dir.write("msg.der", "not a message");
        const auto r = t.ascep({"inspect", t.path("msg.der"), "-k", t.path("dev.key"), "-l", t.path("dev.csr"),
                                "--key-pass", wrong});
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 93);
        CHECK(r.errors.find("wrong passphrase") != std::string::npos);
        check_no_secret(r);
    }
    CHECK(t.text("dev.key") == key_before);
}

TEST_CASE("--key-pass pass:, and values of no form, are usage errors; nothing is written")
{
    test::ascep_workdir w;
    auto r = w.ascep({"mkrequest", "--prefix", w.path("dev"), "-dns", "d.example.test", "--key-pass", "pass:hunter22"});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 1);
    CHECK(r.errors.find("command line") != std::string::npos);
    CHECK(r.errors.find("hunter22") == std::string::npos);
    CHECK_FALSE(w.exists("dev.key"));

    r = w.ascep({"mkrequest", "--prefix", w.path("dev"), "-dns", "d.example.test", "--key-pass", "hunter22"});
    CHECK(r.exit_code == 1);
    CHECK(r.errors.find("file:PATH, env:VAR or fd:N") != std::string::npos);
    CHECK_FALSE(w.exists("dev.key"));

    // A descriptor that is not open, an unset variable: file errors, nothing written.
    r = w.ascep({"mkrequest", "--prefix", w.path("dev"), "-dns", "d.example.test", "--key-pass", "fd:987"});
    CHECK(r.exit_code == 93);
    CHECK_FALSE(w.exists("dev.key"));
    ::unsetenv("ASCEP_TEST_UNSET_PASS");
    r = w.ascep({"mkrequest", "--prefix", w.path("dev"), "-dns", "d.example.test", "--key-pass",
                 "env:ASCEP_TEST_UNSET_PASS"});
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("ASCEP_TEST_UNSET_PASS") != std::string::npos);
    CHECK_FALSE(w.exists("dev.key"));
}

TEST_CASE("legacy encrypted keys get the command that converts them")
{
    test::ascep_workdir w;
    w.dir.write("pw.txt", passphrase_text + "\n");
    const std::string pw = "file:" + w.path("pw.txt");
    auto openssl = [](std::vector<std::string> args) {
        args.insert(args.begin(), "openssl");
        const auto r = test::run_process(args);
        INFO(r.errors);
        REQUIRE(r.exit_code == 0);
    };
    SECTION("traditional PEM (Proc-Type: 4,ENCRYPTED)")
    {
        openssl({"genrsa", "-aes256", "-traditional", "-passout", pw, "-out", w.path("old.key"), "2048"});
        REQUIRE(test::slurp(w.dir.file("old.key")).find("Proc-Type: 4,ENCRYPTED") != std::string::npos);
    }
    SECTION("PKCS#8 with a PKCS#12 PBE (pkcs8 -topk8 -v1)")
    {
        openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", w.path("plain.key")});
        openssl({"pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES", "-in", w.path("plain.key"), "-passout", pw, "-out",
                 w.path("old.key")});
    }
    w.dir.write("any.csr", "unused");
    const auto r = w.ascep({"enroll", "-u", "http://127.0.0.1:9/", "-c", w.path("ca.crt"), "-k", w.path("old.key"),
                            "-r", w.path("any.csr"), "-l", w.path("dev.crt"), "--key-pass", pw});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("openssl pkcs8 -topk8 -v2 aes256 -in " + w.path("old.key")) != std::string::npos);
    check_no_secret(r);
    CHECK_FALSE(w.exists("dev.crt"));
}
