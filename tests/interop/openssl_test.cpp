// Interop with the real openssl command, both ways: openssl accepts what cms/
// builds, and cms/ accepts what openssl builds (DER and -stream BER,
// PKCS#1 v1.5 and OAEP key transport, every digest and cipher SCEP uses).
// Meson passes the openssl it found in ASCEP_OPENSSL (tests/interop/meson.build).
#include "asn1/oids.hpp"
#include "asn1/rfc4514.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/signed_data.hpp"
#include "run_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ascep;
using bytes = std::vector<std::uint8_t>;

namespace {

// Every byte value, NUL, CR and LF included, so any text-mode translation or
// C-string handling on either side shows up as a content mismatch.
bytes make_payload(std::size_t size)
{
    bytes b(size);
    for (std::size_t i = 0; i < size; ++i)
        b[i] = static_cast<std::uint8_t>(i);
    return b;
}

const bytes payload = make_payload(300);
// openssl -stream copies its input in 4 KiB reads, one OCTET STRING segment
// each: this size gives a constructed OCTET STRING of several segments.
const bytes long_payload = make_payload(10000);

// DES and Blowfish live in OpenSSL 3's legacy provider; naming only legacy
// would drop the default provider that everything else needs.
const std::vector<std::string> legacy_providers{"-provider", "legacy", "-provider", "default"};

std::string openssl_path()
{
    const char* path = std::getenv("ASCEP_OPENSSL");
    if (path == nullptr || *path == '\0')
        throw std::runtime_error("ASCEP_OPENSSL is not set: run this through `meson test --suite interop`");
    return path;
}

test::process_result openssl(std::vector<std::string> args)
{
    args.insert(args.begin(), openssl_path());
    return test::run_process(args);
}

std::string command_line(const std::vector<std::string>& args)
{
    std::string line = "openssl";
    for (const auto& a : args)
        line += " " + a;
    return line;
}

// Runs openssl and requires exit code 0, showing the command and its stderr otherwise.
test::process_result require_openssl(const std::vector<std::string>& args)
{
    auto r = openssl(args);
    INFO(command_line(args) << "\nstderr: " << r.errors);
    REQUIRE(r.exit_code == 0);
    return r;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// A temporary directory holding the files openssl reads and writes.
struct workspace {
    test::temp_dir dir;

    std::string path(std::string_view name) const { return dir.file(name).string(); }

    std::string save(std::string_view name, const bytes& content) const { return dir.write(name, content).string(); }

    std::string save_cert(std::string_view name, const Botan::X509_Certificate& cert) const
    {
        return dir.write(name, cert.PEM_encode()).string();
    }

    std::string save_key(std::string_view name, const Botan::Private_Key& key) const
    {
        return dir.write(name, Botan::PKCS8::PEM_encode(key)).string();
    }

    bytes read(std::string_view name) const { return dir.read(name); }
};

bool contains(const bytes& haystack, const bytes& needle)
{
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// How `openssl cms -stream` starts its content: an indefinite-length [0]
// right around 4 KiB OCTET STRING segments. In SignedData the segments sit in
// a constructed OCTET STRING (eContent is EXPLICIT); in EnvelopedData the [0]
// itself is the constructed string (encryptedContent is IMPLICIT).
const bytes streamed_econtent{0xa0, 0x80, 0x24, 0x80, 0x04};
const bytes streamed_encrypted_content{0xa0, 0x80, 0x04};

// Checked so that the BER tests cannot silently turn into DER tests.
void require_streamed_ber(const bytes& message, const bytes& content_start)
{
    REQUIRE(message.size() > 2);
    CHECK(message[0] == 0x30);
    CHECK(message[1] == 0x80); // indefinite-length ContentInfo
    CHECK(contains(message, content_start));
}

bytes our_signed_data(const test::identity& signer, asn1::digest_algorithm digest, const bytes& content)
{
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    req.content = content;
    req.digest = digest;
    req.signing_time = std::chrono::system_clock::now();
    req.certificates = {signer.cert};
    auto der = cms::make_signed_data(req, *signer.key, signer.cert);
    REQUIRE(der);
    return *der;
}

// What openssl signs as `signer` with `options` (digest, -stream, -noattr, ...).
bytes openssl_signed_data(const workspace& ws, const test::identity& signer, const bytes& content,
                          const std::vector<std::string>& options)
{
    const std::vector<std::string> args{"cms", "-sign", "-binary", "-nodetach", "-outform", "DER",
                                        "-in", ws.save("content.bin", content),
                                        "-signer", ws.save_cert("signer.pem", signer.cert),
                                        "-inkey", ws.save_key("signer.key", *signer.key),
                                        "-out", ws.path("signed.der")};
    require_openssl(concat(args, options));
    return ws.read("signed.der");
}

// Our side of a signature check: the one signer's certificate travels in the
// message, its signature verifies, and the content is `content`.
cms::signed_data require_verified(const bytes& message, const Botan::X509_Certificate& cert, const bytes& content)
{
    auto sd = cms::parse_signed_data(message);
    REQUIRE(sd);
    REQUIRE(sd->signers.size() == 1);
    const auto& si = sd->signers[0];
    const auto* carried = sd->find_certificate(si.sid);
    REQUIRE(carried != nullptr);
    CHECK(*carried == cert);
    const auto ec = cms::verify_signer(*sd, si, cert);
    INFO("verify_signer: " << ec.message());
    CHECK_FALSE(ec);
    REQUIRE(sd->content);
    CHECK(*sd->content == content);
    return *sd;
}

// What openssl encrypts for `recipients` (certificate PEM paths) with `options`.
bytes openssl_enveloped_data(const workspace& ws, const bytes& content, const std::vector<std::string>& options,
                             const std::vector<std::string>& recipients)
{
    const std::vector<std::string> args{"cms", "-encrypt", "-binary", "-outform", "DER",
                                        "-in", ws.save("content.bin", content), "-out", ws.path("enveloped.der")};
    require_openssl(concat(concat(args, options), recipients));
    return ws.read("enveloped.der");
}

bytes require_decrypted(const bytes& message, const test::identity& me)
{
    const auto env = cms::parse_enveloped_data(message);
    REQUIRE(env);
    const auto plain = cms::decrypt(*env, *me.key, me.cert);
    REQUIRE(plain);
    return *plain;
}

// The certificates in `openssl pkcs7 -print_certs` output, in order. openssl
// puts subject= and issuer= lines before each PEM block, so cut the blocks out.
std::vector<Botan::X509_Certificate> certificates_in(const std::string& text)
{
    const std::string begin = "-----BEGIN CERTIFICATE-----";
    const std::string end = "-----END CERTIFICATE-----";
    std::vector<Botan::X509_Certificate> certs;
    for (auto b = text.find(begin); b != std::string::npos; b = text.find(begin, b)) {
        const auto e = text.find(end, b);
        REQUIRE(e != std::string::npos);
        Botan::DataSource_Memory pem(text.substr(b, e + end.size() - b));
        certs.emplace_back(pem);
        b = e;
    }
    return certs;
}

struct openssl_cipher {
    const char* option;
    asn1::cipher_algorithm cipher;
    bool legacy;
};

} // namespace

// ---- SignedData: ours -> openssl ----

TEST_CASE("openssl verifies our SignedData for every digest")
{
    const auto digest = GENERATE(asn1::digest_algorithm::md5, asn1::digest_algorithm::sha1,
                                 asn1::digest_algorithm::sha224, asn1::digest_algorithm::sha256,
                                 asn1::digest_algorithm::sha384, asn1::digest_algorithm::sha512);
    CAPTURE(asn1::cli_name(digest));
    const workspace ws;
    const auto signer = test::self_signed("signer");
    // -purpose any: Botan's self-signed certificate is a CA certificate whose
    // keyUsage (keyCertSign, cRLSign) fails openssl's default smimesign check.
    require_openssl({"cms", "-verify", "-inform", "DER", "-binary", "-purpose", "any",
                     "-in", ws.save("signed.der", our_signed_data(signer, digest, payload)),
                     "-CAfile", ws.save_cert("signer.pem", signer.cert),
                     "-out", ws.path("content.bin")});
    CHECK(ws.read("content.bin") == payload);
}

TEST_CASE("openssl rejects our SignedData once tampered with")
{
    // Shows the verification above really checks something.
    const workspace ws;
    const auto signer = test::self_signed("signer");
    bytes message = our_signed_data(signer, asn1::digest_algorithm::sha256, payload);
    const auto cert = ws.save_cert("signer.pem", signer.cert);

    SECTION("signature")
    {
        message.back() ^= 0x01; // the signature is the last field of the message
    }
    SECTION("content")
    {
        const auto at = std::search(message.begin(), message.end(), payload.begin(), payload.end());
        REQUIRE(at != message.end());
        at[100] ^= 0x01;
    }
    const auto r = openssl({"cms", "-verify", "-inform", "DER", "-binary", "-purpose", "any",
                            "-in", ws.save("signed.der", message), "-CAfile", cert,
                            "-out", ws.path("content.bin")});
    INFO("stderr: " << r.errors);
    CHECK(r.exit_code != 0);
    CHECK(r.errors.find("Verification failure") != std::string::npos);
}

// ---- SignedData: openssl -> ours ----

TEST_CASE("we verify openssl's SignedData for each digest")
{
    struct digest_case {
        const char* md;
        asn1::digest_algorithm digest;
    };
    const auto c = GENERATE(values<digest_case>({{"sha1", asn1::digest_algorithm::sha1},
                                                 {"sha256", asn1::digest_algorithm::sha256},
                                                 {"sha512", asn1::digest_algorithm::sha512}}));
    CAPTURE(c.md);
    const workspace ws;
    const auto signer = test::self_signed("signer");
    const auto sd = require_verified(openssl_signed_data(ws, signer, payload, {"-md", c.md}), signer.cert, payload);
    CHECK(sd.signers[0].digest == c.digest);
    CHECK(sd.signers[0].has_signed_attributes);
}

TEST_CASE("we verify openssl's streamed (BER) SignedData")
{
    const workspace ws;
    const auto signer = test::self_signed("signer");
    const auto message = openssl_signed_data(ws, signer, long_payload, {"-md", "sha256", "-stream"});
    require_streamed_ber(message, streamed_econtent);
    require_verified(message, signer.cert, long_payload);
}

TEST_CASE("we verify openssl's SignedData without signed attributes")
{
    const workspace ws;
    const auto signer = test::self_signed("signer");
    const auto sd = require_verified(openssl_signed_data(ws, signer, payload, {"-md", "sha256", "-noattr"}),
                                     signer.cert, payload);
    CHECK_FALSE(sd.signers[0].has_signed_attributes);
    CHECK(sd.signers[0].signed_attributes.empty());
}

TEST_CASE("we verify openssl's SignedData naming the signer by subjectKeyIdentifier")
{
    const workspace ws;
    const auto signer = test::self_signed("signer");
    REQUIRE_FALSE(signer.cert.subject_key_id().empty());
    const auto sd = require_verified(openssl_signed_data(ws, signer, payload, {"-md", "sha256", "-keyid"}),
                                     signer.cert, payload);
    const auto& sid = sd.signers[0].sid;
    CHECK_FALSE(sid.issuer_serial);
    CHECK(sid.subject_key_id == signer.cert.subject_key_id());
    CHECK(sd.signers[0].version == 3); // RFC 5652 §5.3: v3 with subjectKeyIdentifier
}

// ---- EnvelopedData: ours -> openssl ----

TEST_CASE("openssl decrypts our EnvelopedData for every cipher")
{
    const auto cipher = GENERATE(asn1::cipher_algorithm::des_cbc, asn1::cipher_algorithm::des_ede3_cbc,
                                 asn1::cipher_algorithm::aes128_cbc, asn1::cipher_algorithm::aes192_cbc,
                                 asn1::cipher_algorithm::aes256_cbc, asn1::cipher_algorithm::blowfish_cbc);
    CAPTURE(asn1::cli_name(cipher));
    const bool legacy = cipher == asn1::cipher_algorithm::des_cbc || cipher == asn1::cipher_algorithm::blowfish_cbc;
    const workspace ws;
    const auto me = test::self_signed("recipient");
    const auto message = cms::make_enveloped_data(payload, {me.cert}, cipher, test::rng());
    REQUIRE(message);
    const std::vector<std::string> args{"cms", "-decrypt", "-inform", "DER", "-binary",
                                        "-in", ws.save("enveloped.der", *message),
                                        "-recip", ws.save_cert("me.pem", me.cert),
                                        "-inkey", ws.save_key("me.key", *me.key),
                                        "-out", ws.path("content.bin")};
    require_openssl(legacy ? concat(args, legacy_providers) : args);
    CHECK(ws.read("content.bin") == payload);
}

// ---- EnvelopedData: openssl -> ours ----

TEST_CASE("we decrypt openssl's EnvelopedData for each cipher, DER and streamed")
{
    const auto c = GENERATE(values<openssl_cipher>({{"-aes128", asn1::cipher_algorithm::aes128_cbc, false},
                                                    {"-aes192", asn1::cipher_algorithm::aes192_cbc, false},
                                                    {"-aes256", asn1::cipher_algorithm::aes256_cbc, false},
                                                    {"-des3", asn1::cipher_algorithm::des_ede3_cbc, false},
                                                    {"-des", asn1::cipher_algorithm::des_cbc, true}}));
    const bool stream = GENERATE(false, true);
    CAPTURE(c.option, stream);
    const workspace ws;
    const auto me = test::self_signed("recipient");
    const auto& content = stream ? long_payload : payload;

    std::vector<std::string> options{c.option};
    if (stream)
        options.push_back("-stream");
    if (c.legacy)
        options = concat(options, legacy_providers);
    const auto message = openssl_enveloped_data(ws, content, options, {ws.save_cert("me.pem", me.cert)});
    if (stream)
        require_streamed_ber(message, streamed_encrypted_content);

    const auto env = cms::parse_enveloped_data(message);
    REQUIRE(env);
    CHECK(env->cipher == c.cipher);
    CHECK(require_decrypted(message, me) == content);
}

TEST_CASE("we decrypt openssl's EnvelopedData with RSAES-OAEP key transport")
{
    struct oaep_case {
        std::vector<std::string> keyopts;
        const char* expected;
    };
    // OpenSSL's OAEP default is SHA-1 with MGF1(SHA-1), written as an empty
    // parameter SEQUENCE; naming a digest writes it out, and MGF1 follows it.
    const auto c = GENERATE(values<oaep_case>({
        {{"-keyopt", "rsa_padding_mode:oaep"}, "OAEP(SHA-160,MGF1(SHA-160))"},
        {{"-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"}, "OAEP(SHA-256,MGF1(SHA-256))"},
    }));
    CAPTURE(c.expected);
    const workspace ws;
    const auto me = test::self_signed("recipient");
    // -keyopt applies to the -recip before it, hence no plain recipient list.
    const auto recip = concat({"-aes128", "-recip", ws.save_cert("me.pem", me.cert)}, c.keyopts);
    const auto message = openssl_enveloped_data(ws, payload, recip, {});
    const auto env = cms::parse_enveloped_data(message);
    REQUIRE(env);
    REQUIRE(env->recipients.size() == 1);
    CHECK(env->recipients[0].key_transport == c.expected);
    CHECK(require_decrypted(message, me) == payload);
}

TEST_CASE("we find ourselves as the second of two recipients in openssl's EnvelopedData")
{
    const workspace ws;
    const auto other = test::self_signed("other", 1);
    const auto me = test::self_signed("recipient", 0);
    const auto message = openssl_enveloped_data(
        ws, payload, {"-aes256"}, {ws.save_cert("other.pem", other.cert), ws.save_cert("me.pem", me.cert)});
    const auto env = cms::parse_enveloped_data(message);
    REQUIRE(env);
    REQUIRE(env->recipients.size() == 2);
    CHECK_FALSE(env->recipients[0].rid.matches(me.cert));
    CHECK(env->recipients[1].rid.matches(me.cert));
    CHECK(require_decrypted(message, me) == payload);
}

TEST_CASE("we decrypt openssl's EnvelopedData naming the recipient by subjectKeyIdentifier")
{
    const workspace ws;
    const auto me = test::self_signed("recipient");
    const auto message =
        openssl_enveloped_data(ws, payload, {"-aes128", "-keyid"}, {ws.save_cert("me.pem", me.cert)});
    const auto env = cms::parse_enveloped_data(message);
    REQUIRE(env);
    REQUIRE(env->recipients.size() == 1);
    CHECK_FALSE(env->recipients[0].rid.issuer_serial);
    CHECK(env->recipients[0].rid.subject_key_id == me.cert.subject_key_id());
    CHECK(require_decrypted(message, me) == payload);
}

// ---- certs-only SignedData (GetCACert chains) ----

TEST_CASE("we read the chain in openssl's certs-only SignedData in order")
{
    const workspace ws;
    const auto ca = test::self_signed("ca");
    const auto ra = test::issue(ca, *test::cached_key(1), "ra");
    const auto chain = ws.dir.write("chain.pem", ca.cert.PEM_encode() + ra.PEM_encode()).string();
    require_openssl({"crl2pkcs7", "-nocrl", "-certfile", chain, "-outform", "DER", "-out", ws.path("certs.der")});

    const auto sd = cms::parse_signed_data(ws.read("certs.der"));
    REQUIRE(sd);
    CHECK(sd->signers.empty());
    CHECK_FALSE(sd->content);
    CHECK(sd->crls.empty());
    REQUIRE(sd->certificates.size() == 2);
    CHECK(sd->certificates[0] == ca.cert);
    CHECK(sd->certificates[1] == ra);
}

TEST_CASE("openssl prints the chain in our certs-only SignedData in order")
{
    const workspace ws;
    const auto ca = test::self_signed("ca");
    const auto ra = test::issue(ca, *test::cached_key(1), "ra");
    const auto r = require_openssl({"pkcs7", "-inform", "DER", "-print_certs",
                                    "-in", ws.save("certs.der", cms::make_certs_only({ca.cert, ra}))});
    const auto printed = certificates_in(r.output);
    REQUIRE(printed.size() == 2);
    CHECK(printed[0] == ca.cert);
    CHECK(printed[1] == ra);
}

TEST_CASE("DNs print as openssl -nameopt RFC2253 prints them: comma, plus (multi-valued RDN), leading space, UTF-8")
{
    const test::temp_dir dir;
    const auto key = dir.write("key.pem", Botan::PKCS8::PEM_encode(*test::cached_key(1))).string();
    const auto cert_path = dir.file("cert.pem").string();
    // openssl -subj: '/' separates RDNs, '+' joins a multi-valued one, '\'
    // escapes; -utf8 reads the values as UTF-8.
    require_openssl({"req", "-new", "-x509", "-key", key, "-out", cert_path, "-days", "1", "-utf8", "-multivalue-rdn",
                     "-subj",
                     "/C=US/O=Acme, Inc./OU=R&D+CN=Zo\xc3\xab Caf\xc3\xa9/CN= leading space;<x>\\\"q\\\"#1/"
                     "serialNumber=12 "});
    const Botan::X509_Certificate cert(cert_path);
    const auto subject = [&](const std::string& nameopt) {
        auto text = require_openssl({"x509", "-in", cert_path, "-noout", "-subject", "-nameopt", nameopt}).output;
        REQUIRE(text.rfind("subject=", 0) == 0);
        text = text.substr(8);
        while (!text.empty() && text.back() == '\n')
            text.pop_back();
        return text;
    };
    // RFC2253 in openssl also escapes every byte above 0x7F (\C3\AB);
    // RFC 4514 does not ask that, and ascep prints UTF-8 as is, which is
    // what openssl prints with that one escape turned off.
    const auto ours = asn1::rfc4514(cert.subject_dn());
    INFO(ours);
    CHECK(ours == subject("RFC2253,-esc_msb"));
    CHECK(asn1::rfc4514(cert.raw_subject_dn()) == ours);
    CHECK(ours.find("O=Acme\\, Inc.") != std::string::npos);
    CHECK(ours.find("+") != std::string::npos);
    CHECK(ours.find("CN=\\ leading space") != std::string::npos);
    CHECK(ours.find("Zo\xc3\xab") != std::string::npos);
    // An ASCII-only DN: byte for byte what plain -nameopt RFC2253 prints.
    require_openssl({"req", "-new", "-x509", "-key", key, "-out", cert_path, "-days", "1", "-multivalue-rdn", "-subj",
                     "/C=DE/O=Example, Inc./OU=Net+CN=gw1/CN=#1 <test>;x "});
    const Botan::X509_Certificate ascii(cert_path);
    CHECK(asn1::rfc4514(ascii.subject_dn()) == subject("RFC2253"));
    CHECK(asn1::rfc4514(ascii.issuer_dn()) == subject("RFC2253"));
}
