// What the fleet's end-to-end tests share: a manifest of numbered devices,
// an ascep-testca to enroll them against, the ascep binary to run, and the
// check that every device ended with a certificate from that CA for its key.
// Header-only: the including test defines ASCEP_PATH and ASCEP_TESTCA_PATH.
#pragma once

#include "manifest_file.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <botan/data_src.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <sys/stat.h>

namespace ascep::test {

namespace fs = std::filesystem;

inline std::string sha256_of(const std::string& text)
{
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    h->update(text);
    return Botan::hex_encode(h->final_stdvec());
}

struct fleet_fixture {
    test::temp_dir dir;
    test::testca_process ca;
    Botan::X509_Certificate ca_cert;

    explicit fleet_fixture(std::vector<std::string> ca_opts)
        : ca(ASCEP_TESTCA_PATH, dir, with_defaults(std::move(ca_opts))), ca_cert(load_ca())
    {
        // As docs/cli.md "Secrets" tells users: the challenge in a file, not
        // on argv (where the fleet warns about it).
        dir.write("challenge.txt", "pw\n");
    }

    static std::vector<std::string> with_defaults(std::vector<std::string> opts)
    {
        opts.insert(opts.end(), {"--challenge", "pw"});
        return opts;
    }

    Botan::X509_Certificate load_ca()
    {
        const auto r = ascep({"getca", "-u", ca.url, "-c", path("ca.crt")});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
        return Botan::X509_Certificate(path("ca.crt"));
    }

    std::string path(const std::string& name) const { return dir.file(name).string(); }

    static test::process_result ascep(std::vector<std::string> args)
    {
        args.insert(args.begin(), ASCEP_PATH);
        return test::run_process(args);
    }

    std::vector<std::string> fleet_args(const std::string& manifest, const std::string& out,
                                        std::vector<std::string> extra = {}) const
    {
        std::vector<std::string> a{"fleet", "--manifest", path(manifest), "--out", path(out), "-u", ca.url,
                                   "-c", path("ca.crt"), "--challenge-file", path("challenge.txt"), "--progress", "plain"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

    /// Every device of `out` has a 0600 key, a certificate signed by the CA
    /// for that key with the manifest's subject, and a chain; serials differ.
    /// With `key_pass`, every key is encrypted PKCS#8 under it.
    void check_issued(const std::string& out, std::size_t n, const std::string& key_pass = {}) const
    {
        check_issued_in(dir.file(out), n, key_pass);
    }

    /// The same for an output directory anywhere (a tmpfs seen through
    /// /proc/PID/root).
    void check_issued_in(const fs::path& out, std::size_t n, const std::string& key_pass = {}) const
    {
        std::set<std::string> serials;
        for (std::size_t i = 1; i <= n; ++i) {
            char id[32];
            std::snprintf(id, sizeof id, "dev-%04zu", i);
            const fs::path d = out / id;
            INFO(d);
            struct stat st {};
            REQUIRE(::stat((d / "key.pem").c_str(), &st) == 0);
            CHECK((st.st_mode & 0777) == 0600);
            Botan::DataSource_Stream key_src((d / "key.pem").string());
            const bool encrypted =
                test::slurp(d / "key.pem").rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0;
            CHECK(encrypted == !key_pass.empty());
            const std::unique_ptr<Botan::Private_Key> key(key_pass.empty() ? Botan::PKCS8::load_key(key_src)
                                                                           : Botan::PKCS8::load_key(key_src, key_pass));
            const Botan::X509_Certificate cert((d / "cert.pem").string());
            CHECK(cert.subject_public_key_bitstring() == key->public_key_bits());
            const std::unique_ptr<Botan::Public_Key> ca_key(ca_cert.subject_public_key());
            CHECK(cert.check_signature(*ca_key));
            CHECK(cert.issuer_dn() == ca_cert.subject_dn());
            CHECK(cert.subject_dn().get_first_attribute("CN") == id);
            CHECK(cert.subject_dn().get_first_attribute("O") == "Fleet Test");
            CHECK(test::slurp(d / "chain.pem").find("BEGIN CERTIFICATE") != std::string::npos);
            serials.insert(Botan::hex_encode(cert.serial_number()));
        }
        CHECK(serials.size() == n);
    }

    /// Certificates the CA has issued (`ascep-testca list`: one line each
    /// under "issued:", "SERIAL (DECIMAL)  valid  until ...").
    std::size_t issued_at_ca() const
    {
        const auto r = ca.command({"list"});
        REQUIRE(r.exit_code == 0);
        return test::count_of(r.output, ")  valid  until");
    }
};

} // namespace ascep::test
