// scep::parse_dn_text, make_dn and make_csr: the request mkrequest and fleet
// mode build from text.
#include "scep/csr.hpp"

#include "test_pki.hpp"

#include <botan/x509_ext.h>

#include <catch2/catch.hpp>

using namespace ascep;

TEST_CASE("subject text: separators, escapes, blanks, errors", "[scep][csr]")
{
    std::string why;
    auto a = scep::parse_dn_text(" CN = gw1 , O=Example\\, Inc.,C=DE", why);
    REQUIRE(a);
    CHECK(*a == std::vector<scep::dn_attribute>{{"CN", "gw1"}, {"O", "Example, Inc."}, {"C", "DE"}});
    CHECK_FALSE(scep::parse_dn_text("CN", why));
    CHECK(why.find("TYPE=value") != std::string::npos);
    CHECK_FALSE(scep::parse_dn_text("CN=a,", why));
    CHECK_FALSE(scep::parse_dn_text("CN=a\\", why));
    CHECK(why.find("backslash") != std::string::npos);

    auto dn = scep::make_dn({{"CN", "x"}, {"OU", "y"}, {"emailAddress", "a@b.c"}, {"DC", "example"},
                             {"serialNumber", "42"}},
                            why);
    REQUIRE(dn);
    CHECK(dn->get_first_attribute("PKCS9.EmailAddress") == "a@b.c");
    CHECK(dn->get_first_attribute("X520.SerialNumber") == "42");
    CHECK_FALSE(scep::make_dn({{"XX", "1"}}, why));
    CHECK(why == "unknown attribute type 'XX'");
    CHECK_FALSE(scep::make_dn({}, why));
}

TEST_CASE("make_csr: subject, SANs, challenge, signed by the key", "[scep][csr]")
{
    auto& rng = test::rng();
    const auto key_ptr = test::cached_key(0);
    const auto& key = *key_ptr;
    std::string why;
    scep::csr_fields f;
    f.subject = *scep::make_dn({{"CN", "dev-1"}, {"O", "Fleet"}}, why);
    f.dns = {"dev-1.example.test", "alt.example.test"};
    f.ip = {"10.0.0.7"};
    f.email = {"ops@example.test"};
    f.challenge = "pw";
    REQUIRE_FALSE(scep::check_csr_fields(f));
    const auto csr = scep::make_csr(key, f, rng);
    const std::unique_ptr<Botan::Public_Key> pub(csr.subject_public_key());
    CHECK(csr.check_signature(*pub));
    CHECK(pub->public_key_bits() == key.public_key_bits());
    CHECK(csr.subject_dn().get_first_attribute("CN") == "dev-1");
    CHECK(csr.challenge_password() == "pw");
    const auto names = csr.subject_alt_name();
    CHECK(names.get_attribute("DNS").size() == 2);
    CHECK(names.get_attribute("IP").size() == 1);
    CHECK(names.get_attribute("RFC822").size() == 1);

    f.ip = {"fe80::1"};
    CHECK(scep::check_csr_fields(f)->find("IPv4") != std::string::npos);
    f.ip.clear();
    f.email = {"nobody"};
    CHECK(scep::check_csr_fields(f)->find("email") != std::string::npos);
}
