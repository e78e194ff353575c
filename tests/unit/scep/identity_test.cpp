#include "asn1/oids.hpp"
#include "cms/software_key.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/signed_data.hpp"
#include "scep/csr.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"
#include "test_pki.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>
#include <catch2/catch.hpp>

using namespace ascep;

TEST_CASE("transactionID is sscep's: upper-case hex MD5 of the DER SubjectPublicKeyInfo")
{
    // Expected value from: openssl pkey -pubout -outform DER | openssl md5
    Botan::DataSource_Stream in(std::string(ASCEP_TEST_DATA "/client-rsa2048.key"));
    const auto key = Botan::PKCS8::load_key(in);
    CHECK(scep::transaction_id_for(*key) == "9C879FB522EBAF791BAF9EF7A6AF9207");
}

TEST_CASE("the self-signed request signer has the right shape")
{
    const auto key = test::cached_key(3);
    const Botan::X509_DN subject({{"X520.CommonName", "device-17"}, {"X520.Organization", "ascep"}});
    const auto now = std::chrono::system_clock::now();
    const auto cert = scep::make_self_signed(cms::software_key(*key), subject, now, test::rng());

    CHECK(cert.subject_dn() == subject);
    CHECK(cert.issuer_dn() == subject);
    CHECK(cert.subject_public_key_bitstring() == key->public_key_bits());
    CHECK(cert.constraints() == Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT));
    CHECK(cert.check_signature(*key));
    // Valid from an hour ago for a year.
    const auto not_before = cert.not_before().to_std_timepoint();
    const auto not_after = cert.not_after().to_std_timepoint();
    CHECK(not_before <= now - std::chrono::minutes(59));
    CHECK(not_after >= now + std::chrono::hours(24 * 364));
    // A positive serial, different each time.
    CHECK((cert.serial_number().at(0) & 0x80) == 0);
    CHECK(scep::make_self_signed(cms::software_key(*key), subject, now, test::rng()).serial_number() != cert.serial_number());
}

TEST_CASE("make_self_signed writes exactly the DER Botan's X509_CA::make_cert wrote")
{
    const auto key = test::cached_key(3);
    const Botan::X509_DN subject({{"X520.CommonName", "device-18"}, {"X520.Country", "DE"}});
    const auto now = std::chrono::system_clock::now();
    const cms::software_key ops(key);
    const auto ours = scep::make_self_signed(ops, subject, now, test::rng());

    // The old code, with our serial (the rest is deterministic).
    Botan::AlgorithmIdentifier sig_alg;
    std::unique_ptr<Botan::PK_Signer> signer(Botan::choose_sig_format(*key, test::rng(), "SHA-256", sig_alg));
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Key_Usage(
        Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT)));
    using std::chrono::hours;
    const auto botan = Botan::X509_CA::make_cert(
        signer.get(), test::rng(), Botan::BigInt(ours.serial_number()), sig_alg, key->subject_public_key(),
        Botan::X509_Time(now - hours(1)), Botan::X509_Time(now + hours(24 * 365)), subject, subject, ext);
    CHECK(ours.BER_encode() == botan.BER_encode());
}

TEST_CASE("one private operation serves the request, the self-signed certificate, the signature and the decryption")
{
    const auto key = test::cached_key(4);
    const auto ca = test::self_signed("Ops CA", 0);
    const cms::software_key ops(key);
    CHECK(ops.operations_made() == 0);

    std::string why;
    scep::csr_fields f;
    f.subject = *scep::make_dn({{"CN", "dev-ops"}}, why);
    f.challenge = "pw";
    const auto csr = scep::make_csr(ops, f);
    const auto self = scep::make_self_signed(ops, f.subject, std::chrono::system_clock::now(), test::rng());

    cms::signing_request req;
    req.content_type = asn1::oids::data;
    req.content = csr;
    req.certificates = {self};
    const auto signed_der = cms::make_signed_data(req, ops, self).value();
    const auto sd = cms::parse_signed_data(signed_der).value();
    CHECK_FALSE(cms::verify_signer(sd, sd.signers.front(), self));

    // What the CA sends back: an envelope for the self-signed certificate.
    const auto env_der = cms::make_enveloped_data(csr, {self}, asn1::cipher_algorithm::aes128_cbc, test::rng()).value();
    const auto env = cms::parse_enveloped_data(env_der).value();
    CHECK(cms::decrypt(env, ops, self).value() == csr);

    CHECK(ops.operations_made() == 1);
    (void)ca;
}
