// A key in a TPM 2.0: swtpm, tpm2-abrmd on a private D-Bus session bus and a
// tpm2-pkcs11 store (tests/support/tpm_token), all started and stopped by
// this test. The pair is made in the TPM by mkrequest, enrolled against
// ascep-testca and renewed (once with a crash in the middle of the swap);
// the private keys stay sensitive and never extractable, and no private key
// file appears outside the store.
#include "token_fixture.hpp"
#include "tpm_token.hpp"

#include <catch2/catch.hpp>

using namespace ascep;

TEST_CASE("a TPM 2.0 key: mkrequest in the TPM, enroll, renew with a crash and a re-run, renew again")
{
    test::token_fixture<test::tpm_token> t;
    t.make_key("dev");
    auto r = t.enroll("dev", {"--store-cert"});
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(t.key_matches("dev", "dev.crt"));
    const auto first = test::serial_of(t.path("dev.crt"));

    r = t.renew("dev", {}, "previous-kept");
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == test::crash_exit);
    r = t.renew("dev");
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    const auto second = test::serial_of(t.path("dev.crt"));
    CHECK(second != first);
    CHECK(t.keys_labelled("dev") == 1);
    CHECK(t.keys_labelled("dev.pending") == 0);
    CHECK(t.keys_labelled("dev.prev") == 1);
    CHECK(t.key_matches("dev", "dev.crt"));
    CHECK(t.key_matches("dev.prev", "dev.crt.prev"));

    r = t.renew("dev");
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(test::serial_of(t.path("dev.crt")) != second);
    CHECK(t.keys_labelled("dev") == 1);
    CHECK(t.keys_labelled("dev.prev") == 1);
    CHECK(t.key_matches("dev", "dev.crt"));
    t.check_keys_stayed_on_token();
}
