// inspect FILE: real messages built with the scep layer, written as DER, PEM
// and base64, inspected with --json; the result object is parsed back.
#include "asn1/oids.hpp"
#include "cms/software_key.hpp"
#include "cli/inspect_input.hpp"
#include "cli/local_operations.hpp"
#include "cms/signed_data.hpp"
#include "scep/csr.hpp"
#include "scep/cert_rep.hpp"
#include "scep/message_data.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"
#include "csr_version.hpp"
#include "temp_dir.hpp"
#include "test_csr.hpp"
#include "test_pki.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <botan/base64.h>
#include <botan/hex.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <unistd.h>

using namespace ascep;
using scep::bytes;
namespace json = boost::json;

namespace {

const auto now = std::chrono::system_clock::now();

bytes random_bytes(std::size_t n)
{
    bytes out(n);
    test::rng().randomize(out.data(), out.size());
    return out;
}

std::string text_of(const bytes& b)
{
    return {b.begin(), b.end()};
}

struct inspect_result {
    int exit_code = -1;
    std::string stdout_text;
    std::string stderr_text;
    json::object result; // --json only
};

/// While it lives, what is written to `fd` goes to a temporary file.
class fd_capture {
public:
    explicit fd_capture(int fd) : fd_(fd), file_(std::tmpfile()), saved_(::dup(fd))
    {
        REQUIRE(file_);
        REQUIRE(saved_ >= 0);
        std::fflush(nullptr);
        ::dup2(::fileno(file_), fd_);
    }
    fd_capture(const fd_capture&) = delete;
    fd_capture& operator=(const fd_capture&) = delete;
    ~fd_capture()
    {
        restore();
        std::fclose(file_);
    }

    /// Puts `fd` back and returns what it got.
    std::string text()
    {
        restore();
        std::rewind(file_);
        std::string out;
        char buf[4096];
        std::size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0)
            out.append(buf, n);
        return out;
    }

private:
    void restore()
    {
        if (saved_ < 0)
            return;
        std::fflush(nullptr);
        ::dup2(saved_, fd_);
        ::close(saved_);
        saved_ = -1;
    }

    int fd_;
    std::FILE* file_;
    int saved_;
};

/// Runs run_inspect with stdout and stderr captured.
inspect_result run_captured(cli::options o, bool json_mode)
{
    o.op = cli::operation::inspect;
    o.json = json_mode;
    fd_capture out(STDOUT_FILENO);
    fd_capture err(STDERR_FILENO);
    inspect_result r;
    {
        cli::reporter reporter("inspect", false, json_mode);
        r.exit_code = cli::run_inspect(o, reporter);
    }
    r.stderr_text = err.text();
    r.stdout_text = out.text();
    return r;
}

/// Runs run_inspect in --json mode and parses the result object.
inspect_result run(cli::options o)
{
    auto r = run_captured(std::move(o), true);
    INFO(r.stdout_text);
    auto parsed = json::parse(r.stdout_text);
    REQUIRE(parsed.is_object());
    r.result = std::move(parsed.as_object());
    return r;
}

/// Runs run_inspect printing text, as a user sees it.
inspect_result run_text(cli::options o)
{
    return run_captured(std::move(o), false);
}

cli::options file_only(const std::filesystem::path& p)
{
    cli::options o;
    o.input_file = p.string();
    return o;
}

std::string str(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string("(missing ") + std::string(key) + ")";
}

const json::object& obj(const json::object& o, std::string_view key)
{
    static const json::object empty;
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? v->as_object() : empty;
}

const json::array& arr(const json::object& o, std::string_view key)
{
    static const json::array empty;
    const auto* v = o.if_contains(key);
    return v && v->is_array() ? v->as_array() : empty;
}

std::string pem_of(const bytes& der, const std::string& label)
{
    return Botan::PEM_Code::encode(der.data(), der.size(), label);
}

std::string percent_escaped(const std::string& b64)
{
    std::string out;
    for (char c : b64) {
        if (c == '+')
            out += "%2B";
        else if (c == '/')
            out += "%2F";
        else if (c == '=')
            out += "%3D";
        else
            out += c;
    }
    return out;
}

struct scep_fixture {
    test::temp_dir dir;
    test::identity ca = test::self_signed("Inspect CA", 0);
    test::identity other_ca = test::self_signed("Other CA", 4);
    std::shared_ptr<Botan::RSA_PrivateKey> client_key = test::cached_key(1);
    Botan::X509_DN subject{{{"X520.CommonName", "device-1"}}};
    Botan::X509_Certificate client_cert = scep::make_self_signed(cms::software_key(*client_key), subject, now, test::rng());
    bytes nonce = random_bytes(scep::nonce_size);
    std::string transaction_id = scep::transaction_id_for(*client_key);

    std::string ca_cert_file = dir.write("ca.crt", ca.cert.PEM_encode()).string();
    std::string ca_key_file = dir.write("ca.key", Botan::PKCS8::PEM_encode(*ca.key)).string();
    std::string client_cert_file = dir.write("client.crt", client_cert.PEM_encode()).string();
    std::string client_key_file = dir.write("client.key", Botan::PKCS8::PEM_encode(*client_key)).string();

    bytes csr() const
    {
        return test::make_request(*client_key, {.subject = "CN=device-1",
                                                .challenge = "sup3r-s3cret",
                                                .dns = {"device-1.example.com"}});
    }

    bytes request(scep::message_type type, const bytes& data,
                  asn1::cipher_algorithm cipher = asn1::cipher_algorithm::aes128_cbc) const
    {
        scep::outgoing_message m;
        m.header.type = type;
        m.header.transaction_id = transaction_id;
        m.header.sender_nonce = nonce;
        m.message_data = data;
        m.recipients = {ca.cert};
        m.cipher = cipher;
        m.digest = asn1::digest_algorithm::sha256;
        m.certificates = {client_cert};
        m.now = now;
        return scep::make_pki_message(m, {cms::software_key(*client_key), client_cert}, test::rng()).value();
    }

    bytes pkcs_req() const { return request(scep::message_type::pkcs_req, csr()); }

    bytes reply(const scep::reply_content& content) const
    {
        const auto msg = scep::parse_pki_message(pkcs_req()).value();
        return scep::make_cert_rep(msg, client_cert, content, {cms::software_key(*ca.key), ca.cert}, random_bytes(16),
                                   asn1::cipher_algorithm::des_ede3_cbc, now, test::rng())
            .value();
    }

    cli::options decrypting(const std::filesystem::path& p, const std::string& key, const std::string& cert) const
    {
        auto o = file_only(p);
        o.key = key;
        o.local_cert = cert;
        return o;
    }
};

/// The request a decrypted PKCSReq carries, as --json shows it: its subject
/// holds `subject`, its one subjectAltName is `san`, a challengePassword is
/// present, the signature verifies and the transactionID is its key's.
const json::object& check_decrypted_csr(const inspect_result& r, const std::string& subject, const std::string& san)
{
    CHECK(r.exit_code == 0);
    const auto& csr = obj(obj(r.result, "decrypted"), "csr");
    CHECK(str(csr, "subject").find(subject) != std::string::npos);
    CHECK(csr.at("challenge_password").as_bool());
    CHECK(csr.at("signature_valid").as_bool());
    REQUIRE(arr(csr, "subject_alt_names").size() == 1);
    CHECK(arr(csr, "subject_alt_names")[0].as_string() == san);
    CHECK(obj(r.result, "decrypted").at("transaction_id_from_key").as_bool());
    return csr;
}

} // namespace

TEST_CASE_METHOD(scep_fixture, "inspect decodes a PKCSReq in DER, PEM and base64")
{
    const auto der = pkcs_req();
    const auto b64 = Botan::base64_encode(der);
    struct variant {
        std::string name;
        std::string content;
        std::string format;
    };
    const std::vector<variant> variants{
        {"req.der", text_of(der), "DER"},
        {"req.p7", pem_of(der, "PKCS7"), "PEM"},
        {"req.cms", "some text before\n" + pem_of(der, "CMS"), "PEM"},
        {"req.b64", b64 + "\n", "base64"},
        {"req.url", "/scep?operation=PKIOperation&message=" + percent_escaped(b64) + "&x=1\n", "base64"},
    };
    for (const auto& v : variants) {
        INFO(v.name);
        const auto r = run(file_only(dir.write(v.name, v.content)));
        const auto& j = r.result;
        CHECK(r.exit_code == 0);
        CHECK(str(j, "format") == v.format);
        CHECK(str(j, "kind") == "pki_message");
        CHECK(str(j, "message_type") == "PKCSReq");
        CHECK(j.at("message_type_number").as_int64() == 19);
        CHECK(str(j, "transaction_id") == transaction_id);
        CHECK(str(j, "sender_nonce").size() == 2 * scep::nonce_size);
        CHECK_FALSE(j.contains("recipient_nonce"));
        CHECK_FALSE(j.contains("pki_status"));
        CHECK(str(j, "digest") == "sha256");
        // What our CMS layer writes, as OpenSSL does: rsaEncryption, the digest apart.
        CHECK(str(j, "signature_algorithm") == "1.2.840.113549.1.1.1");
        CHECK(str(j, "signature_algorithm_name") == "rsaEncryption");
        CHECK(j.contains("signing_time"));
        CHECK(str(obj(j, "envelope"), "cipher") == "aes128");
        CHECK(str(obj(j, "envelope"), "key_transport") == "EME-PKCS1-v1_5");
        REQUIRE(arr(obj(j, "envelope"), "recipients").size() == 1);
        CHECK(str(arr(obj(j, "envelope"), "recipients")[0].as_object(), "issuer").find("Inspect CA") !=
              std::string::npos);
        CHECK(obj(j, "signer").at("certificate_carried").as_bool());
        CHECK(obj(j, "signature").at("valid").as_bool());
        CHECK(str(obj(j, "signature"), "checked_with") == "carried");
        CHECK_FALSE(j.contains("decrypted"));
    }
}

TEST_CASE_METHOD(scep_fixture, "inspect decrypts a PKCSReq with the CA's key and never prints the challenge")
{
    const auto path = dir.write("req.der", pkcs_req());
    const auto r = run(decrypting(path, ca_key_file, ca_cert_file));
    const auto& csr = check_decrypted_csr(r, "device-1", "DNS:device-1.example.com");
    CHECK(csr.at("public_key_bits").as_int64() == 2048);
    CHECK(r.stdout_text.find("sup3r-s3cret") == std::string::npos);
    CHECK(csr.at("version").as_int64() == 0);
    CHECK_FALSE(r.result.contains("warnings"));
}

TEST_CASE_METHOD(scep_fixture, "inspect decodes an iOS PKCSReq whose PKCS#10 version is 2, with a warning")
{
    std::string why;
    scep::csr_fields fields;
    fields.subject = *scep::make_dn({{"CN", "iPhone-7F3A"}, {"O", "MDM"}}, why);
    fields.dns = {"iphone-7f3a.example.test"};
    fields.challenge = "sup3r-s3cret";
    const cms::software_key ops(*client_key);
    const auto v2 = test::csr_with_version(scep::make_csr(ops, fields), 2, ops);
    const auto path = dir.write("ios.der", request(scep::message_type::pkcs_req, v2));

    SECTION("--json")
    {
        const auto r = run(decrypting(path, ca_key_file, ca_cert_file));
        const auto& csr = check_decrypted_csr(r, "iPhone-7F3A", "DNS:iphone-7f3a.example.test");
        CHECK(csr.at("version").as_int64() == 2);
        REQUIRE(arr(r.result, "warnings").size() == 1);
        CHECK(std::string(arr(r.result, "warnings")[0].as_string()).find("version is 2") != std::string::npos);
    }
    SECTION("text")
    {
        const auto r = run_text(decrypting(path, ca_key_file, ca_cert_file));
        CHECK(r.exit_code == 0);
        CHECK(r.stdout_text.find("request subject: ") != std::string::npos);
        CHECK(r.stdout_text.find("iPhone-7F3A") != std::string::npos);
        CHECK(r.stderr_text.find("ascep: warning: the certificate request's version is 2") != std::string::npos);
        CHECK(r.stdout_text.find("sup3r-s3cret") == std::string::npos);
    }
    SECTION("the request on its own")
    {
        const auto r = run(file_only(dir.write("ios.csr", pem_of(v2, "CERTIFICATE REQUEST"))));
        CHECK(r.exit_code == 0);
        CHECK(str(r.result, "kind") == "certificate_request");
        CHECK(str(obj(r.result, "csr"), "subject").find("iPhone-7F3A") != std::string::npos);
        CHECK(obj(r.result, "csr").at("version").as_int64() == 2);
        CHECK(arr(r.result, "warnings").size() == 1);
    }
}

TEST_CASE_METHOD(scep_fixture, "inspect shows a request whose self-signature does not verify, then exits 97")
{
    // Botan's PKCS10_Request refused such a request outright; inspect shows
    // what decodes and says what is wrong.
    std::string why;
    scep::csr_fields fields;
    fields.subject = *scep::make_dn({{"CN", "tampered"}}, why);
    auto der = scep::make_csr(cms::software_key(*client_key), fields);
    der.back() ^= 1;
    const auto r = run(file_only(dir.write("bad.csr", pem_of(der, "CERTIFICATE REQUEST"))));
    CHECK(r.exit_code == 97);
    CHECK(str(obj(r.result, "csr"), "subject").find("tampered") != std::string::npos);
    CHECK_FALSE(obj(r.result, "csr").at("signature_valid").as_bool());
}

TEST_CASE_METHOD(scep_fixture, "inspect reports an envelope that the key given does not open")
{
    const auto path = dir.write("req.der", pkcs_req());
    // The client's key: the request is encrypted to the CA.
    const auto r = run(decrypting(path, client_key_file, client_cert_file));
    CHECK(r.exit_code == 97);
    CHECK(str(r.result, "transaction_id") == transaction_id);
    CHECK(str(r.result, "error").find("decrypt") != std::string::npos);
}

TEST_CASE_METHOD(scep_fixture, "inspect decrypts CertPoll and GetCert contents")
{
    const auto issuer = ca.cert.raw_subject_dn();
    const auto subject_der = client_cert.raw_subject_dn();
    const auto poll = request(scep::message_type::cert_poll, scep::encode_issuer_and_subject(issuer, subject_der));
    auto r = run(decrypting(dir.write("poll.der", poll), ca_key_file, ca_cert_file));
    CHECK(r.exit_code == 0);
    CHECK(r.result.at("message_type_number").as_int64() == 20);
    const auto& ias = obj(obj(r.result, "decrypted"), "issuer_and_subject");
    CHECK(str(ias, "issuer").find("Inspect CA") != std::string::npos);
    CHECK(str(ias, "subject").find("device-1") != std::string::npos);

    const auto get_cert = request(scep::message_type::get_cert, cms::issuer_and_serial::of(client_cert).encode(),
                                  asn1::cipher_algorithm::des_cbc);
    r = run(decrypting(dir.write("getcert.der", get_cert), ca_key_file, ca_cert_file));
    CHECK(r.exit_code == 0);
    CHECK(str(r.result, "message_type") == "GetCert");
    CHECK(str(obj(r.result, "envelope"), "cipher") == "des");
    const auto& iasn = obj(obj(r.result, "decrypted"), "issuer_and_serial");
    CHECK(str(iasn, "serial") == Botan::hex_encode(client_cert.serial_number()));
}

TEST_CASE_METHOD(scep_fixture, "inspect opens a CertRep SUCCESS with the client's key and checks it with -c")
{
    scep::reply_content content;
    content.status = scep::pki_status::success;
    const auto issued = test::issue(ca, *client_key, "device-1");
    content.certificates = {issued};
    const auto path = dir.write("rep.der", reply(content));

    auto o = decrypting(path, client_key_file, client_cert_file);
    o.ca_cert = ca_cert_file;
    const auto r = run(o);
    const auto& j = r.result;
    CHECK(r.exit_code == 0);
    CHECK(str(j, "message_type") == "CertRep");
    CHECK(j.at("message_type_number").as_int64() == 3);
    CHECK(str(j, "pki_status") == "SUCCESS");
    CHECK(j.at("pki_status_number").as_int64() == 0);
    CHECK(str(j, "recipient_nonce") == Botan::hex_encode(nonce));
    CHECK(str(obj(j, "envelope"), "cipher") == "3des");
    CHECK(obj(j, "signature").at("valid").as_bool());
    CHECK(str(obj(j, "signature"), "checked_with") == "ca_cert");
    const auto& certs = arr(obj(j, "decrypted"), "certificates");
    REQUIRE(certs.size() == 1);
    const auto& c = certs[0].as_object();
    CHECK(str(c, "subject").find("device-1") != std::string::npos);
    CHECK(str(c, "issuer").find("Inspect CA") != std::string::npos);
    CHECK(str(c, "serial") == Botan::hex_encode(issued.serial_number()));
    CHECK(c.contains("not_before"));
    CHECK(c.contains("not_after"));
    CHECK(c.at("key_matches").as_bool());

    // The carried CA certificate verifies it without -c too.
    const auto plain = run(file_only(path));
    CHECK(plain.exit_code == 0);
    CHECK(str(obj(plain.result, "signature"), "checked_with") == "carried");

    // Signed by a CA other than the one given with -c: not trusted.
    auto wrong = file_only(path);
    wrong.ca_cert = dir.write("other.crt", other_ca.cert.PEM_encode()).string();
    const auto w = run(wrong);
    CHECK(w.exit_code == 97);
    CHECK_FALSE(obj(w.result, "signature").at("checked").as_bool());
    CHECK(str(w.result, "pki_status") == "SUCCESS");
}

TEST_CASE_METHOD(scep_fixture, "inspect shows a FAILURE's failInfo and a PENDING status")
{
    scep::reply_content failed;
    failed.status = scep::pki_status::failure;
    failed.fail_info = scep::fail_info::bad_request;
    failed.fail_info_text = "profile not allowed";
    auto r = run(file_only(dir.write("fail.b64", Botan::base64_encode(reply(failed)))));
    CHECK(r.exit_code == 0);
    CHECK(str(r.result, "pki_status") == "FAILURE");
    CHECK(r.result.at("pki_status_number").as_int64() == 2);
    CHECK(str(r.result, "fail_info") == "badRequest");
    CHECK(r.result.at("fail_info_number").as_int64() == 2);
    CHECK(str(r.result, "fail_info_text") == "profile not allowed");
    CHECK_FALSE(r.result.contains("envelope"));

    scep::reply_content pending;
    pending.status = scep::pki_status::pending;
    auto o = file_only(dir.write("pending.pem", pem_of(reply(pending), "PKCS7")));
    o.ca_cert = ca_cert_file;
    r = run(o);
    CHECK(r.exit_code == 0);
    CHECK(str(r.result, "pki_status") == "PENDING");
    CHECK(r.result.at("pki_status_number").as_int64() == 3);
    CHECK_FALSE(r.result.contains("fail_info"));
    CHECK(obj(r.result, "signature").at("valid").as_bool());
}

TEST_CASE_METHOD(scep_fixture, "inspect lists a GetCACert chain")
{
    const auto ra_key = test::cached_key(2);
    const auto ra = test::issue(ca, *ra_key, "Inspect RA");
    const std::vector<Botan::X509_Certificate> chain{ca.cert, ra};

    auto r = run(file_only(dir.write("chain.p7b", cms::make_certs_only(chain))));
    CHECK(r.exit_code == 0);
    CHECK(str(r.result, "kind") == "ca_certs");
    const auto& certs = arr(r.result, "certificates");
    REQUIRE(certs.size() == 2);
    CHECK(str(certs[0].as_object(), "subject").find("Inspect CA") != std::string::npos);
    CHECK(certs[0].as_object().at("ca").as_bool());
    CHECK(str(certs[0].as_object(), "sha256_fingerprint") == ca.cert.fingerprint("SHA-256"));
    CHECK(str(certs[1].as_object(), "subject").find("Inspect RA") != std::string::npos);
    CHECK(str(certs[1].as_object(), "issuer").find("Inspect CA") != std::string::npos);
    CHECK(str(certs[1].as_object(), "serial") == Botan::hex_encode(ra.serial_number()));
    CHECK(certs[1].as_object().contains("key_usage"));

    // The same chain as PEM certificates, and a lone DER certificate.
    r = run(file_only(dir.write("chain.pem", ca.cert.PEM_encode() + ra.PEM_encode())));
    CHECK(r.exit_code == 0);
    CHECK(str(r.result, "kind") == "ca_certs");
    CHECK(arr(r.result, "certificates").size() == 2);

    r = run(file_only(dir.write("ca.der", ca.cert.BER_encode())));
    CHECK(r.exit_code == 0);
    CHECK(str(r.result, "kind") == "certificate");
    CHECK(arr(r.result, "certificates").size() == 1);
}

TEST_CASE_METHOD(scep_fixture, "inspect prints what decodes of a tampered message, then exits 97")
{
    auto der = pkcs_req();
    der.back() ^= 0x01; // the last byte of the signature
    const auto r = run(file_only(dir.write("tampered.der", der)));
    CHECK(r.exit_code == 97);
    CHECK(str(r.result, "kind") == "pki_message");
    CHECK(str(r.result, "transaction_id") == transaction_id);
    CHECK(str(r.result, "message_type") == "PKCSReq");
    CHECK(obj(r.result, "signature").at("checked").as_bool());
    CHECK_FALSE(obj(r.result, "signature").at("valid").as_bool());
    CHECK(str(r.result, "error").find("signature") != std::string::npos);
    CHECK(str(r.result, "outcome") == "pkcs7Error");
}

TEST_CASE_METHOD(scep_fixture, "inspect shows the header of a pkiMessage whose envelope does not decode")
{
    scep::message_header h;
    h.type = scep::message_type::pkcs_req;
    h.transaction_id = transaction_id;
    h.sender_nonce = nonce;
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    req.content = {0x30, 0x03, 0x02, 0x01, 0x05}; // a SEQUENCE, but no ContentInfo
    req.extra_attributes = scep::to_attributes(h);
    req.signing_time = now;
    req.certificates = {client_cert};
    const auto der = cms::make_signed_data(req, *client_key, client_cert).value();

    const auto r = run(file_only(dir.write("badenv.der", der)));
    CHECK(r.exit_code == 97);
    CHECK(str(r.result, "kind") == "pki_message");
    CHECK(str(r.result, "transaction_id") == transaction_id);
    CHECK(str(r.result, "sender_nonce") == Botan::hex_encode(nonce));
    CHECK(obj(r.result, "signature").at("valid").as_bool());
    CHECK(str(r.result, "error").find("pkcsPKIEnvelope") != std::string::npos);
}

TEST_CASE_METHOD(scep_fixture, "inspect rejects garbage with 97 and a missing file with 93")
{
    auto r = run(file_only(dir.write("garbage.txt", "this is not a SCEP message\n")));
    CHECK(r.exit_code == 97);
    CHECK(r.result.contains("error"));

    bytes junk = random_bytes(200);
    junk[0] = 0x30;
    r = run(file_only(dir.write("junk.der", junk)));
    CHECK(r.exit_code == 97);

    r = run(file_only(dir.write("empty", std::string())));
    CHECK(r.exit_code == 97);

    r = run(file_only(dir.file("does-not-exist.der")));
    CHECK(r.exit_code == 93);
    CHECK(str(r.result, "outcome") == "fileError");

    auto bad_key = file_only(dir.write("req.der", pkcs_req()));
    bad_key.key = dir.file("no.key").string();
    bad_key.local_cert = ca_cert_file;
    r = run(bad_key);
    CHECK(r.exit_code == 93);
}

TEST_CASE("inspect input: the encodings users have")
{
    std::string why;
    const bytes der{0x30, 0x03, 0x02, 0x01, 0x05};
    const auto from_der = cli::decode_inspect_input(der, why);
    REQUIRE(from_der);
    CHECK(from_der->format == cli::inspect_input::encoding::der);
    CHECK(from_der->blocks.front() == der);

    // Line-wrapped, URL-safe alphabet, padding dropped.
    const std::string b64 = "MAM\nCAQU";
    const bytes text(b64.begin(), b64.end());
    const auto from_b64 = cli::decode_inspect_input(text, why);
    REQUIRE(from_b64);
    CHECK(from_b64->format == cli::inspect_input::encoding::base64);
    CHECK(from_b64->blocks.front() == der);

    const std::string pem = "Bag Attributes\n" + Botan::PEM_Code::encode(der.data(), der.size(), "WHATEVER") +
                            Botan::PEM_Code::encode(der.data(), der.size(), "CERTIFICATE");
    const auto from_pem = cli::decode_inspect_input(bytes(pem.begin(), pem.end()), why);
    REQUIRE(from_pem);
    CHECK(from_pem->pem_labels == std::vector<std::string>{"WHATEVER", "CERTIFICATE"});
    CHECK(from_pem->blocks.size() == 2);

    const std::string broken = "-----BEGIN PKCS7-----\nMAMCAQU=\n";
    CHECK_FALSE(cli::decode_inspect_input(bytes(broken.begin(), broken.end()), why));
    CHECK(why.find("END") != std::string::npos);
    CHECK_FALSE(cli::decode_inspect_input(bytes{}, why));
}
