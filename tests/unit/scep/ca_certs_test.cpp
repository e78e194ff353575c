#include "asn1/oids.hpp"
#include "cms/error.hpp"
#include "cms/signed_data.hpp"
#include "scep/ca_certs.hpp"
#include "scep/ca_roles.hpp"
#include "scep/error.hpp"
#include "test_pki.hpp"

#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

using namespace ascep;

namespace {

std::vector<std::uint8_t> as_bytes(const std::string& s)
{
    return {s.begin(), s.end()};
}

/// An RA certificate with exactly the given keyUsage, issued by `ca`.
Botan::X509_Certificate ra_cert(const test::identity& ca, int slot, Botan::Key_Constraints usage,
                                const std::string& name)
{
    Botan::AlgorithmIdentifier sig_alg;
    std::unique_ptr<Botan::PK_Signer> signer(Botan::choose_sig_format(*ca.key, test::rng(), "SHA-256", sig_alg));
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(false));
    ext.add(new Botan::Cert_Extension::Key_Usage(usage));
    const auto now = std::chrono::system_clock::now();
    return Botan::X509_CA::make_cert(signer.get(), test::rng(), sig_alg, test::cached_key(slot)->subject_public_key(),
                                     Botan::X509_Time(now - std::chrono::hours(1)),
                                     Botan::X509_Time(now + std::chrono::hours(24)), ca.cert.subject_dn(),
                                     Botan::X509_DN({{"X520.CommonName", name}}), ext);
}

} // namespace

TEST_CASE("GetCACert bodies: DER certificate, PKCS#7 chain, PEM")
{
    const auto ca = test::self_signed("CA", 0);
    const auto ra = ra_cert(ca, 1, Botan::KEY_ENCIPHERMENT, "RA");

    const auto single = scep::parse_ca_certs(ca.cert.BER_encode());
    REQUIRE(single);
    REQUIRE(single->size() == 1);
    CHECK(single->at(0) == ca.cert);

    const auto chain = scep::parse_ca_certs(cms::make_certs_only({ca.cert, ra}));
    REQUIRE(chain);
    REQUIRE(chain->size() == 2);
    CHECK(chain->at(0) == ca.cert);
    CHECK(chain->at(1) == ra);

    const auto pem = scep::parse_ca_certs(as_bytes(ca.cert.PEM_encode() + "\n" + ra.PEM_encode()));
    REQUIRE(pem);
    CHECK(pem->size() == 2);

    CHECK_FALSE(scep::parse_ca_certs(as_bytes("<html>not a certificate</html>")).has_value());
    CHECK(scep::parse_ca_certs(cms::make_certs_only({})).error() == scep::errc::missing_content);
}

TEST_CASE("CA/RA roles are picked by key usage, as NDES needs")
{
    const auto ca = test::self_signed("CA", 0);
    SECTION("a CA alone does everything")
    {
        const auto roles = scep::select_ca_roles({ca.cert}).value();
        CHECK(roles.ca == ca.cert);
        CHECK(roles.encryption == ca.cert);
        REQUIRE(roles.signers.size() == 1);
        CHECK(roles.signers[0] == ca.cert);
    }
    SECTION("NDES: separate RA signing and encryption certificates, in any order")
    {
        const auto sign = ra_cert(ca, 1, Botan::DIGITAL_SIGNATURE, "RA sign");
        const auto enc = ra_cert(ca, 2, Botan::KEY_ENCIPHERMENT, "RA enc");
        const auto roles = scep::select_ca_roles({sign, enc, ca.cert}).value();
        CHECK(roles.ca == ca.cert);
        CHECK(roles.encryption == enc);
        REQUIRE(roles.signers.size() == 2);
        CHECK(roles.signers[0] == sign);
        CHECK(roles.signers[1] == ca.cert);
    }
    SECTION("empty chain")
    {
        CHECK(scep::select_ca_roles({}).error().code == scep::errc::missing_content);
    }
}

TEST_CASE("GetNextCACert is accepted only when signed by the current CA")
{
    const auto ca = test::self_signed("CA", 0);
    const auto next = test::self_signed("CA next", 1);
    const auto stranger = test::self_signed("Stranger", 2);

    const auto sign = [&](const test::identity& by) {
        cms::signing_request req;
        req.content_type = asn1::oids::data;
        req.content = cms::make_certs_only({next.cert});
        req.certificates = {by.cert};
        return cms::make_signed_data(req, *by.key, by.cert).value();
    };
    const std::vector<Botan::X509_Certificate> current{ca.cert};
    const auto ok = scep::verify_next_ca(sign(ca), current);
    REQUIRE(ok);
    REQUIRE(ok->size() == 1);
    CHECK(ok->at(0) == next.cert);
    CHECK(scep::verify_next_ca(sign(stranger), current).error() == scep::errc::untrusted_signer);
    auto tampered = sign(ca);
    tampered.back() ^= 1;
    CHECK(scep::verify_next_ca(tampered, current).error() == cms::errc::bad_signature);
}
