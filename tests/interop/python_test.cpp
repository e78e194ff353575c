// Python's cryptography (Debian python3-cryptography) reads what ascep and
// its test CA build: requests (every challenge length around where DER puts
// the extensionRequest first), self-signed certificates, the test CA's
// certificates and CRL. Its Rust parser refuses a SET OF out of DER order
// (InvalidSetOrdering), which openssl and Go accept, so only it shows such
// a mistake. Meson passes the python it found in ASCEP_PYTHON and
// tests/interop/strict_der.py in ASCEP_STRICT_DER (tests/interop/meson.build).
#include "asn1/ber.hpp"
#include "cms/software_key.hpp"
#include "asn1/oids.hpp"
#include "scep/csr.hpp"
#include "scep/self_signed.hpp"
#include "scep/signed_object.hpp"
#include "fuzz_scep.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"
#include "testca_process.hpp"

#include <botan/der_enc.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ascep;
using bytes = std::vector<std::uint8_t>;

namespace {

const auto now = std::chrono::system_clock::now();

/// The length at which a user met InvalidSetOrdering with -dns a.b.
const std::string challenge_57(57, 'c');

std::string env(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        throw std::runtime_error(std::string(name) + " is not set: run this through `meson test --suite interop`");
    return value;
}

/// strict_der.py KIND FILES...: exit 0 when cryptography reads every file.
test::process_result strict_read(const std::string& kind, const std::vector<std::string>& files)
{
    std::vector<std::string> argv{env("ASCEP_PYTHON"), env("ASCEP_STRICT_DER"), kind};
    argv.insert(argv.end(), files.begin(), files.end());
    return test::run_process(argv);
}

void require_strict_read(const std::string& kind, const std::vector<std::string>& files)
{
    REQUIRE_FALSE(files.empty());
    const auto r = strict_read(kind, files);
    INFO("strict_der.py " << kind << " (" << files.size() << " files)\nstderr: " << r.errors);
    CHECK(r.exit_code == 0);
}

test::process_result ascep(std::vector<std::string> args)
{
    args.insert(args.begin(), ASCEP_PATH);
    return test::run_process(args);
}

void require_ascep(const std::vector<std::string>& args)
{
    const auto r = ascep(args);
    INFO("ascep " << args.front() << "\nstdout: " << r.output << "\nstderr: " << r.errors);
    REQUIRE(r.exit_code == 0);
}

scep::csr_fields fields(const std::vector<scep::dn_attribute>& subject, std::string challenge)
{
    std::string why;
    scep::csr_fields f;
    f.subject = *scep::make_dn(subject, why);
    f.challenge = std::move(challenge);
    return f;
}

/// `request` with its attributes re-encoded in the order given, not DER's,
/// and signed again: what make_csr wrote before the attributes were sorted.
bytes with_attribute_order(const bytes& request, const std::vector<Botan::OID>& order, const cms::private_key_ops& key)
{
    const auto csr = scep::read_csr(request);
    REQUIRE(csr);
    bytes attributes;
    for (const auto& type : order) {
        const auto* a = cms::find_attribute(csr->attributes, type);
        REQUIRE(a);
        const auto encoded = cms::encode_attribute(*a);
        attributes.insert(attributes.end(), encoded.begin(), encoded.end());
    }
    const auto info = asn1::children(asn1::read_single(csr->signed_bytes));
    bytes tbs;
    Botan::DER_Encoder enc(tbs);
    enc.start_cons(Botan::SEQUENCE);
    for (std::size_t i = 0; i < 3; ++i)
        enc.raw_bytes(asn1::encode_tlv(info.at(i)));
    enc.raw_bytes(asn1::encode_tlv(Botan::ASN1_Tag(0), Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED),
                                   attributes));
    enc.end_cons();
    return scep::make_signed_object(key, tbs);
}

} // namespace

TEST_CASE("cryptography refuses a request whose attributes are out of DER order")
{
    // The control: without it a lenient cryptography would pass every test here.
    const test::temp_dir dir;
    const cms::software_key key(test::cached_key(1));
    auto f = fields({{"CN", "a.b"}}, challenge_57);
    f.dns = {"a.b"};
    const auto sorted = scep::make_csr(key, f);
    const auto unsorted =
        with_attribute_order(sorted, {asn1::oids::challenge_password, asn1::oids::extension_request}, key);
    REQUIRE(unsorted != sorted);

    const auto r = strict_read("csr", {dir.write("unsorted.der", unsorted).string()});
    CHECK(r.exit_code == 1);
    CHECK(r.errors.find("InvalidSetOrdering") != std::string::npos);
    require_strict_read("csr", {dir.write("sorted.der", sorted).string()});
}

TEST_CASE("cryptography reads the requests make_csr builds, every challenge length around the flip")
{
    const test::temp_dir dir;
    const cms::software_key key(test::cached_key(1));
    std::vector<std::string> files;
    // -dns a.b: the challengePassword Attribute outgrows the extensionRequest
    // at 30 characters and takes a long-form length at 113.
    for (std::size_t n = 1; n <= 140; ++n) {
        auto f = fields({{"CN", "a.b"}}, std::string(n, 'x'));
        f.dns = {"a.b"};
        files.push_back(dir.write("dns-" + std::to_string(n) + ".der", scep::make_csr(key, f)).string());
    }
    // Other shapes: no challenge, many names, a long subject, a UTF-8 challenge.
    auto bare = fields({{"CN", "bare"}}, "");
    files.push_back(dir.write("bare.der", scep::make_csr(key, bare)).string());
    auto many = fields({{"CN", "gw1"}, {"O", "Example, Inc."}, {"OU", "Net"}, {"C", "DE"}, {"emailAddress", "a@b.c"}},
                       "caf\xc3\xa9 " + challenge_57);
    many.dns = {"gw1.example.test", "gw1.internal.example.test", "x.y"};
    many.ip = {"192.0.2.1", "10.0.0.1"};
    many.email = {"ops@example.test"};
    files.push_back(dir.write("many.der", scep::make_csr(key, many)).string());
    for (std::size_t n : {1, 60, 200}) {
        auto long_names = fields({{"CN", std::string(n, 'n')}}, challenge_57);
        long_names.dns = {std::string(n, 'd') + ".example.test"};
        files.push_back(dir.write("names-" + std::to_string(n) + ".der", scep::make_csr(key, long_names)).string());
    }
    require_strict_read("csr", files);
}

TEST_CASE("cryptography reads every request the test fixtures make")
{
    const test::temp_dir dir;
    const auto key = test::cached_key(1);
    std::vector<std::string> files;
    const auto add = [&](const std::string& name, const bytes& der) {
        files.push_back(dir.write(name + ".der", der).string());
    };
    // tests/support/test_csr: what the unit and integration tests, the
    // scripted and mutating CAs enroll with; challenge lengths around where
    // the challengePassword outgrows the extensionRequest.
    for (std::size_t n : {0, 1, 14, 29, 30, 31, 57, 112, 113, 140}) {
        add("support-" + std::to_string(n),
            test::make_request(*key, {.subject = "CN=device-1,C=DE,O=ascep tests,OU=lab",
                                      .challenge = std::string(n, 'x'),
                                      .dns = {"device-1.example.test"}}));
        add("support-bare-" + std::to_string(n),
            test::make_request(*key, {.subject = "CN=device-7", .challenge = std::string(n, 'x')}));
    }
    // The mutating CA's other client (mutating_ca.cpp).
    add("mutating-other", test::make_request(*key, {.subject = "CN=other,C=DE,O=ascep tests,OU=test"}));
    // The fuzz targets' client (tests/fuzz/fuzz_scep.hpp): its seeds' request,
    // the wrong-challenge one, and a long challenge.
    const auto client = fuzz::load_recipient();
    add("fuzz-seed", fuzz::client_csr(client, fuzz::testca_challenge));
    add("fuzz-wrong", fuzz::client_csr(client, "not the challenge"));
    add("fuzz-57", fuzz::client_csr(client, challenge_57));
    require_strict_read("csr", files);
}

TEST_CASE("cryptography reads `ascep mkrequest -dns a.b` with a 57-character challenge")
{
    const test::temp_dir dir;
    const auto prefix = dir.file("local").string();
    require_ascep({"mkrequest", "--prefix", prefix, "-dns", "a.b", challenge_57});
    require_strict_read("csr", {prefix + ".csr"});
}

TEST_CASE("cryptography reads the self-signed certificates make_self_signed builds")
{
    const test::temp_dir dir;
    const cms::software_key key(test::cached_key(1));
    std::string why;
    std::vector<std::string> files;
    const std::vector<std::vector<scep::dn_attribute>> subjects{
        {{"CN", "a.b"}},
        {{"CN", "gw1"}, {"O", "Example, Inc."}, {"OU", "Net"}, {"L", "Berlin"}, {"C", "DE"}},
        {{"C", "DE"}, {"CN", std::string(200, 'n')}},
    };
    for (std::size_t i = 0; i < subjects.size(); ++i) {
        const auto cert = scep::make_self_signed(key, *scep::make_dn(subjects[i], why), now, test::rng());
        files.push_back(dir.write("self-" + std::to_string(i) + ".der", cert.BER_encode()).string());
    }
    // The subject as enroll has it: decoded from the request, written back as received.
    auto f = fields({{"CN", "dev"}, {"O", "Fleet"}}, challenge_57);
    const auto csr = scep::read_csr(scep::make_csr(key, f));
    REQUIRE(csr);
    const auto cert = scep::make_self_signed(key, csr->subject, now, test::rng());
    files.push_back(dir.write("self-from-csr.der", cert.BER_encode()).string());
    require_strict_read("cert", files);
}

TEST_CASE("cryptography reads the test CA's certificates (CA and RAs), an issued certificate and the CRL")
{
    const test::temp_dir dir;
    test::testca_process ca(ASCEP_TESTCA_PATH, dir, {"--ra", "--challenge", challenge_57, "--key-bits", "2048"});
    const auto path = [&](const std::string& name) { return dir.file(name).string(); };

    require_ascep({"getca", "-u", ca.url, "-c", path("ca.crt")});
    require_strict_read("cert", {path("ca.crt-0"), path("ca.crt-1"), path("ca.crt-2")});

    require_ascep({"mkrequest", "--prefix", path("dev"), "-dns", "a.b", challenge_57});
    require_strict_read("csr", {path("dev.csr")});
    require_ascep({"enroll", "-u", ca.url, "-c", path("ca.crt"), "-k", path("dev.key"), "-r", path("dev.csr"), "-l",
                   path("dev.crt")});
    require_strict_read("cert", {path("dev.crt")});

    require_ascep({"getcrl", "-u", ca.url, "-c", path("ca.crt"), "-k", path("dev.key"), "-l", path("dev.crt"), "-w",
                   path("ca.crl")});
    require_strict_read("crl", {path("ca.crl")});
}
