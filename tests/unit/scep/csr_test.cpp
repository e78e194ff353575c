// scep::parse_dn_text, make_dn and make_csr: the request mkrequest and fleet
// mode build from text.
#include "scep/csr.hpp"
#include "cms/software_key.hpp"

#include "asn1/der_set.hpp"
#include "asn1/oids.hpp"
#include "csr_version.hpp"
#include "der_order.hpp"
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
    const cms::software_key ops(key);
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
    // These challenges encode shorter than the extensionRequest, so Botan's
    // fixed order (challengePassword first) is DER's too.
    const auto key = test::cached_key(1);
    const cms::software_key ops(key);
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
    const auto der = scep::make_csr(cms::software_key(key), fleet_fields("pw"));

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

namespace {

/// `ascep mkrequest -dns a.b CHALLENGE`'s fields.
scep::csr_fields dns_a_b(std::string challenge)
{
    std::string why;
    scep::csr_fields f;
    f.subject = *scep::make_dn({{"CN", "a.b"}}, why);
    f.dns = {"a.b"};
    f.challenge = std::move(challenge);
    return f;
}

/// The attribute types of a request, in the order they travel.
std::vector<Botan::OID> attribute_order(const std::vector<std::uint8_t>& der)
{
    const auto csr = scep::read_csr(der);
    REQUIRE(csr);
    std::vector<Botan::OID> out;
    for (const auto& a : csr->attributes)
        out.push_back(a.type);
    return out;
}

} // namespace

TEST_CASE("make_csr writes its attributes in DER order whatever the challenge's length", "[scep][csr]")
{
    const auto key = test::cached_key(1);
    const cms::software_key ops(key);
    // With -dns a.b the extensionRequest Attribute has 44 content bytes and
    // the challengePassword one 15 + n: from n = 30 on, DER puts the
    // extensionRequest first (shorter length octet); at n = 29 the lengths
    // tie and the OIDs decide (...9.7 before ...9.14); from n = 113 the
    // length takes the long form (0x81). 57 is the case a user hit.
    const std::vector<Botan::OID> challenge_first{asn1::oids::challenge_password, asn1::oids::extension_request};
    const std::vector<Botan::OID> extensions_first{asn1::oids::extension_request, asn1::oids::challenge_password};
    for (std::size_t n = 1; n <= 140; ++n) {
        INFO("challenge of " << n << " characters");
        const std::string challenge(n, 'x');
        const auto der = scep::make_csr(ops, dns_a_b(challenge));
        CHECK(test::unsorted_sets(der, {test::set_tag, 0xa0}).empty());
        CHECK(attribute_order(der) == (n < 30 ? challenge_first : extensions_first));
        const Botan::PKCS10_Request botan(der);
        CHECK(botan.challenge_password() == challenge);
    }
    CHECK(attribute_order(scep::make_csr(ops, dns_a_b(""))) == std::vector<Botan::OID>{asn1::oids::extension_request});
}

TEST_CASE("read_csr decodes versions 0 to 2 and says which; others are not requests", "[scep][csr]")
{
    const auto key = test::cached_key(1);
    const cms::software_key ops(key);
    const auto v0 = scep::make_csr(ops, fleet_fields("pw"));
    const auto plain = scep::read_csr(v0);
    REQUIRE(plain);
    CHECK(plain->version == 0);
    CHECK_FALSE(scep::csr_version_warning(*plain));

    for (std::uint32_t version : {1u, 2u}) {
        INFO("version " << version);
        const auto der = test::csr_with_version(v0, version, ops);
        const auto csr = scep::read_csr(der);
        REQUIRE(csr);
        CHECK(csr->version == version);
        CHECK(csr->subject == plain->subject);
        CHECK(csr->public_key_bits == key->public_key_bits());
        CHECK(csr->attributes.size() == 2);
        CHECK(scep::csr_signed_by(*csr, *key) == std::optional<bool>(true));
        CHECK(scep::csr_signature_verifies(der, *key));
        const auto warning = scep::csr_version_warning(*csr);
        REQUIRE(warning);
        CHECK(warning->find("version is " + std::to_string(version)) != std::string::npos);
        // Why read_csr exists for this: Botan 2.19 refuses any version but 0.
        CHECK_THROWS(Botan::PKCS10_Request(der));
    }

    CHECK_FALSE(scep::read_csr(test::csr_with_version(v0, 3, ops)));
    CHECK_FALSE(scep::read_csr(test::csr_with_version_integer(v0, {0x02, 0x01, 0xff}, ops))); // -1
    CHECK_FALSE(scep::read_csr(test::csr_with_version_integer(v0, {0x02, 0x05, 0x01, 0, 0, 0, 0}, ops)));
}

TEST_CASE("read_csr keeps the attributes: challengePassword and the requested extensions", "[scep][csr]")
{
    const auto key = test::cached_key(1);
    const auto der = scep::make_csr(cms::software_key(key), fleet_fields("pw"));
    const auto csr = scep::read_csr(der);
    REQUIRE(csr);
    const auto* challenge = cms::find_attribute(csr->attributes, asn1::oids::challenge_password);
    REQUIRE(challenge);
    CHECK(cms::decode_string(challenge->single_value().value()) == std::optional<std::string>("pw"));
    const auto ext = scep::requested_extensions(*csr);
    REQUIRE(ext);
    const auto* san = ext->get_extension_object_as<Botan::Cert_Extension::Subject_Alternative_Name>();
    REQUIRE(san);
    CHECK(san->get_alt_name().get_attribute("DNS") == std::vector<std::string>{"dev-2.example.test"});
    CHECK(csr->subject_public_key_info == key->subject_public_key());

    auto bare = *csr;
    bare.attributes.clear();
    CHECK(scep::requested_extensions(bare).value().extensions().empty());
    auto broken = *csr;
    for (auto& a : broken.attributes)
        if (a.type == asn1::oids::extension_request)
            a.values = {{0x04, 0x00}};
    CHECK_FALSE(scep::requested_extensions(broken));
}

TEST_CASE("csr_signature_verifies checks the request's own signature", "[scep][csr]")
{
    const auto key = test::cached_key(1);
    const auto other = test::cached_key(2);
    auto der = scep::make_csr(cms::software_key(key), fleet_fields("pw"));
    CHECK(scep::csr_signature_verifies(der, *key));
    CHECK_FALSE(scep::csr_signature_verifies(der, *other));
    der[der.size() - 1] ^= 1; // the last octet of the signature
    CHECK_FALSE(scep::csr_signature_verifies(der, *key));
    CHECK_FALSE(scep::csr_signature_verifies(std::vector<std::uint8_t>{0x30, 0x00}, *key));
}
