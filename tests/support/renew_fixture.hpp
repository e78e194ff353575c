// What the renew tests share: one ascep-testca (1024-bit keys,
// short-lived certificates so that --within 3d is due at once), devices
// enrolled from it, `ascep renew` with an optional crash point, and the
// check that the pair on disk matches. Header-only: the including test
// defines ASCEP_PATH and ASCEP_TESTCA_PATH.
#pragma once

#include "run_process.hpp"
#include "cert_serial.hpp"
#include "temp_dir.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include <botan/data_src.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>
#include <botan/x509cert.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ascep::test {

inline constexpr int crash_exit = 128 + 9; // io::crash_point SIGKILLs the process

/// The public key bits of a PEM key file (encrypted under `pass` when it
/// is given) and of a PEM certificate file.
inline std::vector<std::uint8_t> key_bits_of(const std::filesystem::path& key, const std::string& pass = {})
{
    Botan::DataSource_Stream in(key.string());
    const std::unique_ptr<Botan::Private_Key> k(pass.empty() ? Botan::PKCS8::load_key(in)
                                                             : Botan::PKCS8::load_key(in, pass));
    return k->public_key_bits();
}

inline std::vector<std::uint8_t> cert_key_bits_of(const std::filesystem::path& cert)
{
    return Botan::X509_Certificate(cert.string()).subject_public_key_bitstring();
}

/// One CA (1024-bit keys, short-lived certificates so that --within 3d is
/// due at once) and devices enrolled from it.
struct renew_fixture {
    test::temp_dir dir;
    test::testca_process ca;

    explicit renew_fixture(std::vector<std::string> opts = {})
        : ca(ASCEP_TESTCA_PATH, dir, with_defaults(std::move(opts)))
    {
        const auto r = ascep({"getca", "-u", ca.url, "-c", path("ca.crt")});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
    }

    static std::vector<std::string> with_defaults(std::vector<std::string> opts)
    {
        opts.insert(opts.end(), {"--challenge", "pw", "--key-bits", "1024", "--validity", "2d"});
        return opts;
    }

    std::filesystem::path path(const std::string& name) const { return dir.file(name); }

    static test::process_result ascep(std::vector<std::string> args, const std::string& crash_at = {})
    {
        args.insert(args.begin(), ASCEP_PATH);
        if (!crash_at.empty())
            args.insert(args.begin(), {"env", "ASCEP_TEST_CRASH_AT=" + crash_at});
        return test::run_process(args);
    }

    /// A key and its first certificate, from a PKCSReq with the challenge.
    /// `extra` goes to both (--key-pass).
    void enroll(const std::string& name, const std::vector<std::string>& extra = {}) const
    {
        std::vector<std::string> mk{"mkrequest", "--prefix", path(name), "--bits", "1024", "-dns",
                                    name + ".example.test", "pw"};
        mk.insert(mk.end(), extra.begin(), extra.end());
        REQUIRE(ascep(mk).exit_code == 0);
        std::vector<std::string> en{"enroll", "-u", ca.url, "-c", path("ca.crt"), "-k", path(name + ".key"), "-r",
                                    path(name + ".csr"), "-l", path(name + ".crt")};
        en.insert(en.end(), extra.begin(), extra.end());
        const auto r = ascep(en);
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
    }

    test::process_result renew(const std::string& name, std::vector<std::string> extra = {},
                               const std::string& crash_at = {}, const std::string& url = {}) const
    {
        std::vector<std::string> args{"renew", "-u", url.empty() ? ca.url : url, "-c", path("ca.crt"), "-k",
                                      path(name + ".key"), "-l", path(name + ".crt"), "--within", "3d", "--bits",
                                      "1024", "-t", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        return ascep(args, crash_at);
    }

    bool pair_matches(const std::string& name, const std::string& pass = {}) const
    {
        return key_bits_of(path(name + ".key"), pass) == cert_key_bits_of(path(name + ".crt"));
    }

    std::string log() const { return test::slurp(ca.log()); }
};


} // namespace ascep::test
