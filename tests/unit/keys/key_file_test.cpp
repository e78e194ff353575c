#include "keys/key_file.hpp"

#include "temp_dir.hpp"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace ascep;

namespace {

Botan::AutoSeeded_RNG& rng()
{
    static Botan::AutoSeeded_RNG r;
    return r;
}

const Botan::RSA_PrivateKey& test_key()
{
    static const Botan::RSA_PrivateKey key(rng(), 1024);
    return key;
}

keys::passphrase pass(const std::string& text)
{
    return keys::passphrase(Botan::secure_vector<std::uint8_t>(text.begin(), text.end()));
}

std::vector<std::uint8_t> bytes_of(const std::string& s)
{
    return {s.begin(), s.end()};
}

keys::errc error_of(const keys::key_result& r)
{
    REQUIRE_FALSE(r.has_value());
    return r.error().code;
}

} // namespace

TEST_CASE("encrypted PKCS#8 written here is PBES2 and reads back with the passphrase only", "[keys]")
{
    const auto right = pass("correct horse");
    const auto wrong = pass("battery staple");
    const auto pem = keys::encode_private_key(test_key(), &right, rng());
    REQUIRE(pem.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0);
    const auto data = bytes_of(pem);
    CHECK(keys::is_encrypted_pkcs8(data));

    const auto back = keys::decode_private_key(data, "k.pem", &right);
    REQUIRE(back.has_value());
    CHECK((*back)->private_key_bits() == test_key().private_key_bits());

    CHECK(error_of(keys::decode_private_key(data, "k.pem", &wrong)) == keys::errc::wrong_passphrase);
    const auto none = keys::decode_private_key(data, "k.pem", nullptr);
    CHECK(error_of(none) == keys::errc::passphrase_needed);
    CHECK(none.error().message.find("--key-pass") != std::string::npos);

    // The same as DER.
    Botan::DataSource_Memory src(pem);
    std::string label;
    const auto der = Botan::PEM_Code::decode(src, label);
    const std::vector<std::uint8_t> der_bytes(der.begin(), der.end());
    CHECK(keys::is_encrypted_pkcs8(der_bytes));
    CHECK(keys::decode_private_key(der_bytes, "k.der", &right).has_value());
    CHECK(error_of(keys::decode_private_key(der_bytes, "k.der", &wrong)) == keys::errc::wrong_passphrase);
}

TEST_CASE("a wrong passphrase is caught whatever the padding happens to be", "[keys]")
{
    // About 1 in 256 wrong passphrases leaves valid CBC padding; the
    // plaintext is then no key. 600 tries make that case near certain.
    const auto right = pass("the passphrase");
    const auto data = bytes_of(keys::encode_private_key(test_key(), &right, rng()));
    // Cheap tries: re-encode with few iterations through Botan directly.
    const std::string cheap = Botan::PKCS8::PEM_encode_encrypted_pbkdf_iter(test_key(), rng(), "the passphrase", 1,
                                                                            "AES-256/CBC", "SHA-256");
    const auto cheap_data = bytes_of(cheap);
    for (int i = 0; i < 600; ++i) {
        const auto w = pass("wrong " + std::to_string(i));
        const auto r = keys::decode_private_key(cheap_data, "k.pem", &w);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().code == keys::errc::wrong_passphrase);
    }
    CHECK(keys::decode_private_key(data, "k.pem", &right).has_value());
}

TEST_CASE("unencrypted PKCS#8 and PKCS#1, PEM and DER, read with or without a passphrase", "[keys]")
{
    const auto p = pass("unused");
    const auto pkcs8_pem = bytes_of(Botan::PKCS8::PEM_encode(test_key()));
    const auto pkcs8_der = Botan::PKCS8::BER_encode(test_key());
    const auto pkcs1_der = test_key().private_key_bits();
    const auto pkcs1_pem = bytes_of(Botan::PEM_Code::encode(pkcs1_der, "RSA PRIVATE KEY"));
    for (const auto* pw : {static_cast<const keys::passphrase*>(nullptr), &p}) {
        CHECK(keys::decode_private_key(pkcs8_pem, "a", pw).has_value());
        CHECK(keys::decode_private_key({pkcs8_der.begin(), pkcs8_der.end()}, "b", pw).has_value());
        CHECK(keys::decode_private_key({pkcs1_der.begin(), pkcs1_der.end()}, "c", pw).has_value());
        CHECK(keys::decode_private_key(pkcs1_pem, "d", pw).has_value());
    }
    CHECK_FALSE(keys::is_encrypted_pkcs8(pkcs8_pem));
    CHECK_FALSE(keys::is_encrypted_pkcs8({pkcs8_der.begin(), pkcs8_der.end()}));

    // A certificate before the key in one file.
    auto both = bytes_of("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");
    both.insert(both.end(), pkcs8_pem.begin(), pkcs8_pem.end());
    CHECK(keys::decode_private_key(both, "both", nullptr).has_value());
}

TEST_CASE("legacy encryption gets the conversion command; junk is no key", "[keys]")
{
    const std::string legacy = "-----BEGIN RSA PRIVATE KEY-----\n"
                               "Proc-Type: 4,ENCRYPTED\n"
                               "DEK-Info: AES-256-CBC,0123456789ABCDEF0123456789ABCDEF\n\n"
                               "AAAA\n"
                               "-----END RSA PRIVATE KEY-----\n";
    const auto p = pass("pw");
    const auto r = keys::decode_private_key(bytes_of(legacy), "old.key", &p);
    CHECK(error_of(r) == keys::errc::legacy_encryption);
    CHECK(r.error().message.find("openssl pkcs8 -topk8 -v2 aes256 -in old.key") != std::string::npos);

    CHECK(error_of(keys::decode_private_key(bytes_of("hello"), "x", nullptr)) == keys::errc::not_a_key);
    CHECK(error_of(keys::decode_private_key(bytes_of("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"),
                                            "x", nullptr)) == keys::errc::not_a_key);
}

TEST_CASE("write_private_key: mode 0600, encrypted under the passphrase", "[keys]")
{
    test::temp_dir dir;
    const auto path = dir.file("k.pem").string();
    const auto p = pass("pw");
    REQUIRE(keys::write_private_key(path, test_key(), &p, rng()).empty());
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    const auto data = dir.read("k.pem");
    CHECK(keys::is_encrypted_pkcs8(data));
    CHECK(keys::read_private_key(path, &p).has_value());
    CHECK(error_of(keys::read_private_key(dir.file("missing").string(), &p)) == keys::errc::unreadable);
}
