// cms::private_key_ops against Botan's own RSA operations: its signatures
// verify with PK_Verifier, it opens what PK_Encryptor_EME wraps, it refuses
// a wrong key and bad padding, and it makes its private operation once.
#include "cms/error.hpp"
#include "cms/software_key.hpp"
#include "cms/private_key_ops.hpp"
#include "test_pki.hpp"

#include <botan/bigint.h>
#include <botan/ecdsa.h>
#include <botan/numthry.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>

#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <thread>

using namespace ascep;
using bytes = std::vector<std::uint8_t>;

namespace {

const bytes message{'s', 'c', 'e', 'p', ' ', 'a', 't', 't', 'r', 's'};

} // namespace

TEST_CASE("private_key_ops signatures verify with Botan's PK_Verifier (EMSA3) for every digest")
{
    const auto key = test::cached_key(0);
    const cms::software_key ops(key);
    const std::pair<asn1::digest_algorithm, const char*> digests[] = {
        {asn1::digest_algorithm::md5, "MD5"},         {asn1::digest_algorithm::sha1, "SHA-160"},
        {asn1::digest_algorithm::sha224, "SHA-224"},  {asn1::digest_algorithm::sha256, "SHA-256"},
        {asn1::digest_algorithm::sha384, "SHA-384"},  {asn1::digest_algorithm::sha512, "SHA-512"},
    };
    for (const auto& [d, name] : digests) {
        CAPTURE(name);
        const auto sig = ops.sign(message, d).value();
        CHECK(sig.size() == key->get_n().bytes());
        Botan::PK_Verifier verifier(*key, std::string("EMSA3(") + name + ")");
        CHECK(verifier.verify_message(message, sig));
        // Deterministic, so equal to what Botan's own signer makes.
        Botan::PK_Signer botan(*key, test::rng(), std::string("EMSA3(") + name + ")");
        CHECK(sig == botan.sign_message(message, test::rng()));
        auto other = message;
        other.back() ^= 1;
        CHECK_FALSE(verifier.verify_message(other, sig));
    }
    CHECK(ops.operations_made() == 1);
}

TEST_CASE("private_key_ops opens PK_Encryptor_EME's PKCS#1 v1.5 and OAEP and refuses the rest")
{
    const auto key = test::cached_key(1);
    const auto wrong = test::cached_key(2);
    const cms::software_key ops(key);
    const cms::software_key wrong_ops(wrong);
    const auto content_key = test::rng().random_vec(16);

    for (const std::string eme : {"EME-PKCS1-v1_5", "OAEP(SHA-256,MGF1(SHA-1))", "OAEP(SHA-160,MGF1(SHA-160))"}) {
        CAPTURE(eme);
        Botan::PK_Encryptor_EME enc(*key, test::rng(), eme);
        const auto wrapped = enc.encrypt(content_key, test::rng());
        const auto opened = ops.decrypt(wrapped, eme);
        REQUIRE(opened);
        CHECK(*opened == content_key);
        // Another key: the padding does not hold; an error, never random bytes.
        CHECK(wrong_ops.decrypt(wrapped, eme).error() == cms::errc::decryption_failed);
    }

    Botan::PK_Encryptor_EME enc(*key, test::rng(), "EME-PKCS1-v1_5");
    auto wrapped = enc.encrypt(content_key, test::rng());
    // OAEP unpadding of a PKCS#1 v1.5 block: bad padding.
    CHECK(ops.decrypt(wrapped, "OAEP(SHA-256,MGF1(SHA-1))").error() == cms::errc::decryption_failed);
    // A corrupted block decrypts to garbage without 00 02 ... 00.
    wrapped[wrapped.size() / 2] ^= 0x40;
    CHECK(ops.decrypt(wrapped, "EME-PKCS1-v1_5").error() == cms::errc::decryption_failed);
    // 00 01 FF..FF 00 key (signature padding) encrypted raw: the private
    // operation recovers it, and key transport (00 02) must refuse it.
    const std::size_t k = key->get_n().bytes();
    bytes type1(k, 0xFF);
    type1[0] = 0x00;
    type1[1] = 0x01;
    type1[k - content_key.size() - 1] = 0x00;
    std::copy(content_key.begin(), content_key.end(), type1.end() - static_cast<std::ptrdiff_t>(content_key.size()));
    const Botan::BigInt m(type1.data(), type1.size());
    const auto c = Botan::BigInt::encode_1363(Botan::power_mod(m, key->get_e(), key->get_n()), k);
    CHECK(ops.decrypt(c, "EME-PKCS1-v1_5").error() == cms::errc::decryption_failed);
    type1[1] = 0x02; // the same block as type 2 opens: the check above is the padding's
    const Botan::BigInt m2(type1.data(), type1.size());
    const auto c2 = Botan::BigInt::encode_1363(Botan::power_mod(m2, key->get_e(), key->get_n()), k);
    CHECK(ops.decrypt(c2, "EME-PKCS1-v1_5").value() == Botan::secure_vector<std::uint8_t>(content_key.begin(), content_key.end()));
    // Larger than the modulus: Botan's own range check, reported as a failure.
    const bytes too_big(key->get_n().bytes(), 0xFF);
    CHECK(ops.decrypt(too_big, "EME-PKCS1-v1_5").error() == cms::errc::decryption_failed);
    CHECK(ops.decrypt(wrapped, "NO-SUCH-EME").error() == cms::errc::unsupported_algorithm);
    CHECK(ops.operations_made() == 1);
}

TEST_CASE("private_key_ops: a key that is not RSA is invalid_key, as before")
{
    const Botan::EC_Group group("secp256r1");
    const auto ec = std::make_shared<Botan::ECDSA_PrivateKey>(test::rng(), group);
    const cms::software_key ops(ec);
    CHECK(ops.sign(message, asn1::digest_algorithm::sha256).error() == cms::errc::invalid_key);
    CHECK(ops.decrypt(message, "EME-PKCS1-v1_5").error() == cms::errc::invalid_key);
    CHECK(ops.operations_made() == 0);
}

TEST_CASE("private_key_ops: made on one thread, used from two")
{
    const auto key = test::cached_key(0);
    const cms::software_key ops(key);
    std::thread([&] { CHECK(ops.sign(message, asn1::digest_algorithm::sha256)); }).join();
    Botan::PK_Verifier verifier(*key, "EMSA3(SHA-256)");
    bool ok_a = true;
    bool ok_b = true;
    auto run = [&](bool& ok) {
        for (int i = 0; i < 80; ++i) // past Botan's blinder re-initialisation (every 64 uses)
            ok = ok && verifier.verify_message(message, ops.sign(message, asn1::digest_algorithm::sha256).value());
    };
    std::thread a(run, std::ref(ok_a));
    std::thread b([&] {
        Botan::PK_Verifier mine(*key, "EMSA3(SHA-256)");
        for (int i = 0; i < 80; ++i)
            ok_b = ok_b && mine.verify_message(message, ops.sign(message, asn1::digest_algorithm::sha256).value());
    });
    a.join();
    b.join();
    CHECK(ok_a);
    CHECK(ok_b);
    CHECK(ops.operations_made() == 1);
}

TEST_CASE("private_key_ops gives Botan's own results with a modulus whose output has leading zero bytes")
{
    // A signature or key-transport block whose integer is shorter than the
    // modulus must still come out k bytes long: Botan's "Raw" EME strips the
    // zeros and private_op puts them back.
    const auto key = test::cached_key(0);
    const cms::software_key ops(key);
    // About one signature in 256 starts with a zero byte; 5,000 tries all
    // miss with probability e^-19.5.
    bytes m;
    bytes sig;
    for (int i = 0; i < 5000; ++i) {
        const auto r = test::rng().random_vec(24);
        m.assign(r.begin(), r.end());
        sig = ops.sign(m, asn1::digest_algorithm::sha256).value();
        if (sig[0] == 0)
            break;
    }
    REQUIRE(sig[0] == 0);
    CHECK(sig.size() == key->get_n().bytes());
    Botan::PK_Signer botan(*key, test::rng(), "EMSA3(SHA-256)");
    CHECK(sig == botan.sign_message(m, test::rng()));
    CHECK(Botan::PK_Verifier(*key, "EMSA3(SHA-256)").verify_message(m, sig));
    // Key transport of a key whose block is close to n: the top byte is 00 02.
    for (int i = 0; i < 8; ++i) {
        const auto content_key = test::rng().random_vec(32);
        Botan::PK_Encryptor_EME enc(*key, test::rng(), "EME-PKCS1-v1_5");
        const auto wrapped = enc.encrypt(content_key, test::rng());
        const auto opened = ops.decrypt(wrapped, "EME-PKCS1-v1_5").value();
        CHECK(opened == content_key);
    }
    CHECK(ops.operations_made() == 1);
}
