// scep::parse_dn_text, make_dn and make_csr: the request mkrequest and fleet
// mode build from text.
#include "scep/csr.hpp"

#include "test_pki.hpp"

#include <botan/pkcs10.h>
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
    const cms::private_key_ops ops(key);
    const auto der = scep::make_csr(ops, f);
    const Botan::PKCS10_Request csr(der);
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

namespace {

scep::csr_fields fleet_fields(std::string challenge)
{
    std::string why;
    scep::csr_fields f;
    f.subject = *scep::make_dn({{"CN", "dev-2"}, {"O", "Fleet, Inc."}, {"C", "DE"}}, why);
    f.dns = {"dev-2.example.test"};
    f.ip = {"192.0.2.9"};
    f.email = {"a@example.test"};
    f.challenge = std::move(challenge);
    return f;
}

/// The request as Botan's PKCS10_Request::create wrote it before make_csr
/// built its own DER: the reference the new encoding must equal.
std::vector<std::uint8_t> botan_csr(const Botan::Private_Key& key, const scep::csr_fields& f)
{
    return Botan::PKCS10_Request::create(key, f.subject, scep::csr_extensions(f), "SHA-256", test::rng(), "",
                                         f.challenge)
        .BER_encode();
}

} // namespace

TEST_CASE("make_csr writes exactly the DER Botan's PKCS10_Request::create wrote", "[scep][csr]")
{
    // PKCS#1 v1.5 signatures are deterministic: equal requests are equal bytes.
    const auto key = test::cached_key(1);
    const cms::private_key_ops ops(key);
    for (const std::string challenge : {"s3cret", "", "caf\xc3\xa9 UTF-8"}) {
        INFO("challenge '" << challenge << "'");
        const auto f = fleet_fields(challenge);
        CHECK(scep::make_csr(ops, f) == botan_csr(*key, f));
    }
    auto bare = fleet_fields("");
    bare.dns.clear();
    bare.ip.clear();
    bare.email.clear();
    CHECK(scep::make_csr(ops, bare) == botan_csr(*key, bare));
    CHECK(ops.operations_made() == 1);
}

TEST_CASE("read_csr and csr_signed_by: subject and key without loading the key", "[scep][csr]")
{
    const auto key = test::cached_key(1);
    const auto other = test::cached_key(2);
    const auto der = scep::make_csr(cms::private_key_ops(key), fleet_fields("pw"));

    const auto csr = scep::read_csr(der);
    REQUIRE(csr);
    CHECK(csr->subject == Botan::PKCS10_Request(der).subject_dn());
    CHECK(csr->public_key_bits == key->public_key_bits());
    CHECK(scep::csr_is_for(*csr, *key));
    CHECK_FALSE(scep::csr_is_for(*csr, *other));
    CHECK(scep::csr_signed_by(*csr, *key) == std::optional<bool>(true));
    CHECK(scep::csr_signed_by(*csr, *other) == std::optional<bool>(false));

    auto tampered = *csr;
    tampered.signature.back() ^= 1;
    CHECK(scep::csr_signed_by(tampered, *key) == std::optional<bool>(false));
    tampered = *csr;
    tampered.signature_algorithm = Botan::OID{1, 2, 840, 113549, 1, 1, 10}; // RSASSA-PSS: Botan's to check
    CHECK(scep::csr_signed_by(tampered, *key) == std::nullopt);

    CHECK_FALSE(scep::read_csr(std::vector<std::uint8_t>{0x30, 0x00}));
    auto cut = der;
    cut.resize(cut.size() - 10);
    CHECK_FALSE(scep::read_csr(cut));
    const std::vector<std::uint8_t> deep(200, 0x30); // nested past asn1::max_nesting_depth
    CHECK_FALSE(scep::read_csr(deep));
}
