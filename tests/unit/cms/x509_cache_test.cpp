// cms::public_key_of and cms::certificate_from_der: decoded once, and never
// one certificate's key or decoding for another's bytes.
#include "cms/x509_cache.hpp"
#include "test_pki.hpp"

#include <catch2/catch.hpp>

using namespace ascep;

TEST_CASE("public_key_of loads a key once per SubjectPublicKeyInfo")
{
    const auto a = test::self_signed("Cache A", 0);
    const auto a_again = test::self_signed("Cache A, reissued", 0); // same key, other certificate
    const auto b = test::self_signed("Cache B", 1);

    const auto key_a = cms::public_key_of(a.cert);
    CHECK(key_a->public_key_bits() == a.key->public_key_bits());
    CHECK(cms::public_key_of(a.cert) == key_a);       // the same object: not loaded again
    CHECK(cms::public_key_of(a_again.cert) == key_a); // equal SubjectPublicKeyInfo, equal key
    const auto key_b = cms::public_key_of(b.cert);
    CHECK(key_b != key_a);
    CHECK(key_b->public_key_bits() == b.key->public_key_bits());
}

TEST_CASE("certificate_from_der decodes each encoding once and stays bounded")
{
    const auto a = test::self_signed("Cache C", 2);
    const auto der = a.cert.BER_encode();
    const auto first = cms::certificate_from_der(der);
    CHECK(first == a.cert);
    CHECK(cms::certificate_from_der(der).BER_encode() == der);

    // One byte of the signature changed: another encoding, another certificate.
    auto forged = der;
    forged.back() ^= 1;
    const auto other = cms::certificate_from_der(forged);
    CHECK(other.BER_encode() == forged);
    CHECK_FALSE(other == a.cert);

    auto broken = der;
    broken.resize(broken.size() - 5);
    CHECK_THROWS(cms::certificate_from_der(broken)); // and not cached: it throws again
    CHECK_THROWS(cms::certificate_from_der(broken));

    // More certificates than the cache holds: all still decode correctly.
    for (int i = 0; i < 40; ++i) {
        const auto c = test::self_signed("Cache filler " + std::to_string(i), i % 4);
        CHECK(cms::certificate_from_der(c.cert.BER_encode()) == c.cert);
    }
    CHECK(cms::certificate_from_der(der) == a.cert);
}
