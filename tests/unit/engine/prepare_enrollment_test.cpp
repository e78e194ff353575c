// ascep::prepare_enrollment's checks of the request, now made without
// loading the request's key: the same verdicts and messages as Botan's
// PKCS10_Request gave, and one private operation for the whole enrollment
// when the caller hands in the one that signed the CSR.
#include "ascep/enroll.hpp"
#include "cms/software_key.hpp"
#include "cms/private_key_ops.hpp"
#include "engine/prepare_with_key_ops.hpp"
#include "scep/csr.hpp"
#include "test_pki.hpp"

#include <botan/pkcs10.h>
#include <botan/x509self.h>

#include <catch2/catch.hpp>

using namespace ascep;

namespace {

scep::csr_fields fields()
{
    std::string why;
    scep::csr_fields f;
    f.subject = *scep::make_dn({{"CN", "dev-7"}, {"O", "Plan"}}, why);
    f.challenge = "pw";
    return f;
}

enroll_request request_for(std::shared_ptr<const Botan::Private_Key> key, std::vector<std::uint8_t> csr)
{
    enroll_request r;
    r.key = std::move(key);
    r.csr = std::move(csr);
    r.ca_certificates = {test::self_signed("Plan CA", 0).cert};
    r.capabilities = {"POSTPKIOperation", "SHA-256", "AES"};
    return r;
}

} // namespace

TEST_CASE("prepare_enrollment accepts the request of its key and takes the subject from it")
{
    const auto key = test::cached_key(1);
    const auto csr = scep::make_csr(cms::software_key(key), fields());
    std::string why;
    const auto plan = prepare_enrollment(request_for(key, csr), test::rng(), why);
    REQUIRE(plan);
    CHECK(plan->signer_certificate().subject_dn() == fields().subject);
    CHECK(plan->signer_certificate().subject_public_key_bitstring() == key->public_key_bits());

    // A request made by another tool (Botan's own), attributes and all.
    Botan::X509_Cert_Options opts("dev-8/DE/ascep");
    opts.challenge = "pw";
    const auto botan_csr = Botan::X509::create_cert_req(opts, *key, "SHA-256", test::rng()).BER_encode();
    CHECK(prepare_enrollment(request_for(key, botan_csr), test::rng(), why));
}

TEST_CASE("prepare_enrollment refuses as before: another key, a bad signature, not a request")
{
    const auto key = test::cached_key(1);
    const auto other = test::cached_key(2);
    const auto csr = scep::make_csr(cms::software_key(other), fields());
    std::string why;
    CHECK_FALSE(prepare_enrollment(request_for(key, csr), test::rng(), why));
    CHECK(why == "the certificate request is not for the private key");

    auto forged = scep::make_csr(cms::software_key(key), fields());
    forged.back() ^= 1; // the signature's last byte
    CHECK_FALSE(prepare_enrollment(request_for(key, forged), test::rng(), why));
    CHECK(why == "the certificate request is not a PKCS#10 request");

    CHECK_FALSE(prepare_enrollment(request_for(key, {0x30, 0x03, 0x02, 0x01, 0x00}), test::rng(), why));
    CHECK(why == "the certificate request is not a PKCS#10 request");

    enroll_request keyless = request_for(nullptr, csr);
    CHECK_FALSE(prepare_enrollment(keyless, test::rng(), why));
    CHECK(why == "no private key");
}

TEST_CASE("prepare_enrollment reuses the caller's private operation")
{
    const auto key = test::cached_key(3);
    const auto ops = std::make_shared<const cms::software_key>(key);
    const auto csr = scep::make_csr(*ops, fields());
    REQUIRE(ops->operations_made() == 1);

    auto req = request_for(nullptr, csr);
    std::string why;
    const auto plan = engine::prepare_enrollment(req, ops, test::rng(), why);
    REQUIRE(plan);
    CHECK(make_request_message(*plan, test::rng(), why)); // signed by the same operation
    CHECK(ops->operations_made() == 1);

    req.key = test::cached_key(2); // a different key beside the operation: a caller's bug
    CHECK_FALSE(engine::prepare_enrollment(req, ops, test::rng(), why));
    CHECK(why == "the key and its private operation hold different keys");
}
