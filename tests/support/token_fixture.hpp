// What the token tests share (tests/integration/pkcs11_test.cpp with
// SoftHSM2, tpm_test.cpp with a TPM 2.0): ascep-testca in the test's
// temporary directory, a token, and ascep run with the token's module and
// PIN file, the PIN checked absent from every output. Header-only: the
// including program defines ASCEP_PATH and ASCEP_TESTCA_PATH.
#pragma once

#include "ascep_workdir.hpp"
#include "renew_fixture.hpp"
#include "run_process.hpp"
#include "softhsm.hpp"
#include "testca_process.hpp"
#include "text_files.hpp"

#include "keys/open_key.hpp"

#include <botan/hex.h>
#include <botan/x509cert.h>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace ascep::test {

// crash_exit and serial_of come from renew_fixture.hpp, and so does the
// test CA's configuration (renew_fixture::with_defaults): the token tests
// renew too.

/// ascep-testca and a token (softhsm or tpm_token) in one
/// temporary directory, and what the token tests ask of them.
template <typename Token>
struct token_fixture : ascep_workdir {
    Token hsm{dir};
    testca_process ca;

    explicit token_fixture(std::vector<std::string> ca_opts = {})
        : ca(ASCEP_TESTCA_PATH, dir, renew_fixture::with_defaults(std::move(ca_opts)))
    {
        const auto r = ascep({"getca", "-u", ca.url, "-c", path("ca.crt")});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
    }

    /// The token options every command takes: the module and the PIN file.
    std::vector<std::string> token_args() const
    {
        return {"--pkcs11-module", Token::module, "--pin-file", hsm.pin_file()};
    }

    static std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b)
    {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    }

    process_result run(std::vector<std::string> args, const std::string& crash_at = {}) const
    {
        args = cat(std::move(args), token_args());
        args.insert(args.begin(), ASCEP_PATH);
        if (!crash_at.empty())
            args.insert(args.begin(), {"env", "ASCEP_TEST_CRASH_AT=" + crash_at});
        auto r = run_process(args);
        // Whatever happened, the PIN is in no output.
        CHECK(r.output.find(hsm.pin()) == std::string::npos);
        CHECK(r.errors.find(hsm.pin()) == std::string::npos);
        return r;
    }

    /// mkrequest on the token: the pair labelled `name`, the request NAME.csr.
    void make_key(const std::string& name) const
    {
        const auto r = run({"mkrequest", "-k", hsm.uri(name), "-r", path(name + ".csr"), "--bits", "1024", "-dns",
                            name + ".example.test", "pw"});
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
        CHECK(r.output.find("key pair generated on the token '" + hsm.label() + "' as '" + name + "'") !=
              std::string::npos);
    }

    process_result enroll(const std::string& name, std::vector<std::string> extra = {}) const
    {
        return run(cat({"enroll", "-u", ca.url, "-c", path("ca.crt"), "-k", hsm.uri(name), "-r",
                        path(name + ".csr"), "-l", path(name + ".crt"), "-t", "1"},
                       extra));
    }

    process_result renew(const std::string& name, std::vector<std::string> extra = {},
                               const std::string& crash_at = {}) const
    {
        return run(cat({"renew", "-u", ca.url, "-c", path("ca.crt"), "-k", hsm.uri(name), "-l", path(name + ".crt"),
                        "--within", "3d", "--bits", "1024", "-t", "1"},
                       extra),
                   crash_at);
    }

    /// The token opened afresh, as another process would see it.
    std::shared_ptr<keys::token> token() const
    {
        std::string why;
        const auto uri = keys::pkcs11_uri::parse("pkcs11:token=" + hsm.label(), why);
        REQUIRE(uri);
        keys::token_settings s;
        s.module = Token::module;
        s.pin_file = hsm.pin_file();
        auto t = keys::token::open(*uri, s, why);
        INFO(why);
        REQUIRE(t);
        return t;
    }

    std::size_t keys_labelled(const std::string& label) const { return token()->key_ids(label).size(); }

    /// The token key `label` is the key of the certificate `cert`.
    bool key_matches(const std::string& label, const std::string& cert) const
    {
        std::string why;
        const auto key = token()->find_key(label, why);
        INFO(why);
        REQUIRE(key);
        return Botan::X509_Certificate(path(cert)).subject_public_key_bitstring() ==
               key->public_key().public_key_bits();
    }

    /// What every test ends with: the token's private keys sensitive and
    /// never extractable, and no private key written anywhere else.
    void check_keys_stayed_on_token() const
    {
        const auto listing = hsm.objects();
        const auto keys = count_of(listing, "Private Key Object");
        CHECK(keys > 0);
        CHECK(count_of(listing, "Access:     sensitive, always sensitive, never extractable") == keys);
        // The test CA's own key lives in its state directory: not ours.
        for (const auto& f : private_key_files(dir.path(), hsm.store()))
            CHECK(f.string().starts_with(ca.state.string()));
    }
};

} // namespace ascep::test
