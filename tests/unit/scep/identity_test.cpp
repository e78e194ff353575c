#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"
#include "test_pki.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>
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
    const auto cert = scep::make_self_signed(*key, subject, now, test::rng());

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
    CHECK(scep::make_self_signed(*key, subject, now, test::rng()).serial_number() != cert.serial_number());
}
