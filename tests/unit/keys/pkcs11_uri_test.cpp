// RFC 7512 URIs as ascep reads them (keys/pkcs11_uri.hpp) and where a PIN
// comes from (keys/pin.hpp). No token needed.
#include "keys/pin.hpp"
#include "keys/pkcs11_uri.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>

using namespace ascep;
using Catch::Matchers::Contains;

TEST_CASE("pkcs11 URIs: token, object, id, module-path, pin-source; pin-value refused", "[keys]")
{
    CHECK(keys::is_pkcs11_uri("pkcs11:token=a;object=b"));
    CHECK_FALSE(keys::is_pkcs11_uri("pkcs11"));
    CHECK_FALSE(keys::is_pkcs11_uri("/etc/ssl/private/key.pem"));

    std::string why;
    auto u = keys::pkcs11_uri::parse(
        "pkcs11:token=my%20gw;object=dev%3b1;id=%01%a2?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/p",
        why);
    INFO(why);
    REQUIRE(u);
    CHECK(u->token_label() == "my gw");
    CHECK(u->object() == "dev;1");
    CHECK(u->id() == std::vector<std::uint8_t>{0x01, 0xa2});
    CHECK(u->module_path() == "/usr/lib/softhsm/libsofthsm2.so");
    CHECK(u->pin_source() == "file:/p");
    CHECK(u->text() == "pkcs11:token=my%20gw;object=dev%3b1;id=%01%a2");

    CK_TOKEN_INFO info{};
    std::memset(info.label, ' ', sizeof info.label);
    std::memcpy(info.label, "my gw", 5);
    CHECK(u->matches(info));
    std::memcpy(info.label, "other", 5);
    CHECK_FALSE(u->matches(info));

    why.clear();
    CHECK_FALSE(keys::pkcs11_uri::parse("pkcs11:object=a?pin-value=1234", why));
    CHECK_THAT(why, Contains("carries a pin-value"));
    CHECK(why.find("1234") == std::string::npos);
    CHECK_FALSE(keys::pkcs11_uri::parse("pkcs11:object=%zz", why));
    CHECK_THAT(why, Contains("is malformed"));

    CHECK(keys::label_uri("dev") == "pkcs11:object=dev");
    auto back = keys::pkcs11_uri::parse(keys::label_uri("a b;c"), why);
    REQUIRE(back);
    CHECK(back->object() == "a b;c");
    back = keys::pkcs11_uri::parse(keys::id_uri({0x01, 0xff}), why);
    REQUIRE(back);
    CHECK(back->id() == std::vector<std::uint8_t>{0x01, 0xff});
}

TEST_CASE("the PIN: pin-source, then --pin-file, then ASCEP_PIN, then a config file's", "[keys]")
{
    test::temp_dir dir;
    const auto a = dir.write("a.pin", "pin-a\n").string();
    const auto b = dir.write("b.pin", "pin-b\r\n").string();
    ::unsetenv("ASCEP_PIN");
    keys::token_settings s;
    s.pin_file = b;
    s.config_pin = {'c', 'f', 'g'};
    std::string why;
    const auto text = [](const std::optional<Botan::secure_vector<char>>& p) {
        REQUIRE(p);
        return std::string(p->begin(), p->end());
    };
    CHECK(text(keys::find_pin("file:" + a, s, why)) == "pin-a");
    CHECK(text(keys::find_pin("file://" + a, s, why)) == "pin-a");
    CHECK(text(keys::find_pin(a, s, why)) == "pin-a");
    CHECK(text(keys::find_pin("", s, why)) == "pin-b");
    s.pin_file.clear();
    ::setenv("ASCEP_PIN", "pin-env", 1);
    CHECK(text(keys::find_pin("", s, why)) == "pin-env");
    s.pin_from_environment = false;
    CHECK(text(keys::find_pin("", s, why)) == "cfg");
    ::unsetenv("ASCEP_PIN");
    s.config_pin.clear();
    CHECK(text(keys::find_pin("", s, why)).empty());

    CHECK_FALSE(keys::find_pin("file:" + dir.file("none").string(), s, why));
    CHECK_THAT(why, Contains("cannot read the PIN file"));
    CHECK_FALSE(keys::find_pin("|/usr/bin/askpin", s, why));
    CHECK_THAT(why, Contains("is not supported"));
    const auto empty = dir.write("empty.pin", "\n").string();
    CHECK_FALSE(keys::find_pin("file:" + empty, s, why));
    CHECK_THAT(why, Contains("is empty"));
}
