// Writes the seed corpora of the SCEP fuzz targets: real messages as our own
// code makes them (scep::make_cert_rep, the test CA's service, cms builders),
// for the fixed client, CA and request of fuzz_scep.hpp, so that the fuzzers
// start from replies that pass every check and reach the deepest code.
//
//   make_scep_corpus SOURCE_ROOT OUT_DIR
//
// writes OUT_DIR/{cert_rep,ca_certs,caps,config,testca}/ (the config seeds
// include SOURCE_ROOT/conf's sample files). Run by hand when the builders
// change; the seeds are checked in under tests/fuzz/corpus.

#include "fuzz_scep.hpp"
#include "cms/software_key.hpp"

#include "cms/signed_data.hpp"
#include "scep/message_data.hpp"
#include "testca/authority.hpp"

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/der_enc.h>
#include <botan/pem.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

using namespace ascep;
namespace fs = std::filesystem;
using scep::bytes;

void write(const fs::path& path, std::span<const std::uint8_t> data)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

void write(const fs::path& path, std::string_view text)
{
    write(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}


std::string percent_encode(std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

struct world {
    Botan::AutoSeeded_RNG rng;
    fuzz::recipient client = fuzz::load_recipient();
    fuzz::recipient ca = fuzz::load_ca();
    testca::identity ca_id{std::shared_ptr<const Botan::Private_Key>(fuzz::load_ca().key), ca.cert};
    bytes csr = fuzz::client_csr(client, fuzz::testca_challenge);

    const bytes& csr_der() const { return csr; }

    Botan::X509_Certificate issued(std::uint32_t serial)
    {
        return testca::issue_certificate(ca_id, scep::read_csr(csr).value(), Botan::BigInt(serial),
                                         std::chrono::hours(24 * 365),
                                         fuzz::fixed_now(), rng);
    }
};

// Replies to the fixed request, as the CA builds them (make_cert_rep).
void cert_rep_seeds(world& w, const fs::path& dir)
{
    struct variant {
        const char* name;
        asn1::digest_algorithm digest; // the request's, which the reply repeats
        asn1::cipher_algorithm cipher;
        scep::pki_status status;
    };
    using asn1::cipher_algorithm;
    using asn1::digest_algorithm;
    const variant variants[] = {
        {"success_sha256_aes128", digest_algorithm::sha256, cipher_algorithm::aes128_cbc, scep::pki_status::success},
        {"success_sha1_des3", digest_algorithm::sha1, cipher_algorithm::des_ede3_cbc, scep::pki_status::success},
        {"success_md5_des", digest_algorithm::md5, cipher_algorithm::des_cbc, scep::pki_status::success},
        {"success_sha512_aes256", digest_algorithm::sha512, cipher_algorithm::aes256_cbc, scep::pki_status::success},
        {"success_sha256_blowfish", digest_algorithm::sha256, cipher_algorithm::blowfish_cbc,
         scep::pki_status::success},
        {"pending", digest_algorithm::sha256, cipher_algorithm::aes128_cbc, scep::pki_status::pending},
        {"failure", digest_algorithm::sha256, cipher_algorithm::aes128_cbc, scep::pki_status::failure},
    };
    const auto cert = w.issued(0x2001);
    const bytes reply_nonce(scep::nonce_size, 0x42);
    for (const auto& v : variants) {
        const auto request_der = fuzz::client_message(scep::message_type::pkcs_req, fuzz::request_transaction_id,
                                                      w.csr_der(), w.client, w.ca.cert, v.cipher, v.digest, w.rng);
        const auto request = scep::parse_pki_message(request_der).value();
        scep::reply_content content;
        content.status = v.status;
        if (v.status == scep::pki_status::success)
            content.certificates = {cert};
        if (v.status == scep::pki_status::failure) {
            content.fail_info = scep::fail_info::bad_request;
            content.fail_info_text = "fuzz refusal";
        }
        const auto reply = scep::make_cert_rep(request, w.client.cert, content, {cms::software_key(*w.ca.key), w.ca.cert}, reply_nonce,
                                               v.cipher, fuzz::fixed_now(), w.rng)
                               .value();
        write(dir / (std::string(v.name) + ".der"), reply);
    }

    // The shapes of GetCert and GetCRL replies: a chain, a CRL.
    const auto request_der =
        fuzz::client_message(scep::message_type::pkcs_req, fuzz::request_transaction_id, w.csr_der(), w.client,
                             w.ca.cert, cipher_algorithm::aes128_cbc, digest_algorithm::sha256, w.rng);
    const auto request = scep::parse_pki_message(request_der).value();
    scep::reply_content chain;
    chain.certificates = {cert, w.ca.cert};
    write(dir / "success_chain.der", scep::make_cert_rep(request, w.client.cert, chain, {cms::software_key(*w.ca.key), w.ca.cert},
                                                         reply_nonce, cipher_algorithm::aes128_cbc,
                                                         fuzz::fixed_now(), w.rng)
                                         .value());
    scep::reply_content crl;
    crl.crls = {testca::make_crl(w.ca_id, std::nullopt, {cert}, fuzz::fixed_now(), w.rng)};
    write(dir / "success_crl.der", scep::make_cert_rep(request, w.client.cert, crl, {cms::software_key(*w.ca.key), w.ca.cert},
                                                       reply_nonce, cipher_algorithm::aes128_cbc, fuzz::fixed_now(),
                                                       w.rng)
                                       .value());
    scep::reply_content bad_alg;
    bad_alg.status = scep::pki_status::failure;
    bad_alg.fail_info = scep::fail_info::bad_alg;
    write(dir / "failure_no_text.der", scep::make_cert_rep(request, w.client.cert, bad_alg, {cms::software_key(*w.ca.key), w.ca.cert},
                                                           reply_nonce, cipher_algorithm::aes128_cbc,
                                                           fuzz::fixed_now(), w.rng)
                                           .value());
}

// What GetCACert and GetNextCACert bodies look like.
void ca_certs_seeds(world& w, fuzz::testca_world& ca, const fs::path& dir)
{
    write(dir / "ca.der", w.ca.cert.BER_encode());
    write(dir / "ca.pem", w.ca.cert.PEM_encode());
    const auto ra_sign = testca::make_ra(w.ca_id, 1024, "fuzz RA signing", Botan::DIGITAL_SIGNATURE, 0x3001,
                                         fuzz::fixed_now(), w.rng);
    const auto ra_enc = testca::make_ra(w.ca_id, 1024, "fuzz RA encryption", Botan::KEY_ENCIPHERMENT, 0x3002,
                                        fuzz::fixed_now(), w.rng);
    const auto chain = cms::make_certs_only({w.ca.cert, ra_sign.cert, ra_enc.cert});
    write(dir / "ca_ra_chain.p7b", chain);
    write(dir / "ca_ra_chain_p7.pem", Botan::PEM_Code::encode(chain, "PKCS7"));
    write(dir / "two_certs.pem", w.ca.cert.PEM_encode() + "\n" + ra_enc.cert.PEM_encode());
    // The test CA's own answers.
    const auto get_ca = ca.service().handle("GET", "/scep?operation=GetCACert", {}, fuzz::fixed_now());
    write(dir / "testca_getcacert.der", get_ca.body);
    const auto next = ca.service().handle("GET", "/scep?operation=GetNextCACert", {}, fuzz::fixed_now());
    if (next.status != 200)
        throw std::runtime_error("GetNextCACert: " + next.log);
    write(dir / "testca_getnextcacert.der", next.body);
}

void caps_seeds(const fs::path& dir)
{
    std::string testca;
    for (const auto& k : testca::default_caps())
        testca += k + "\n";
    write(dir / "testca", testca);
    write(dir / "ndes", "Renewal\r\nSHA-1\r\nDES3\r\n");
    write(dir / "old_sscep", "POSTPKIOperation\nGetNextCACert\n");
    write(dir / "scepstandard_only", "SCEPStandard\n");
    write(dir / "mixed_case_spaces", "  aes \n\n sha-512\r\n  posTPKIoperation  \nUnknownCap\n");
    write(dir / "sha1_only", "SHA-1");
}

void config_seeds(const fs::path& root, const fs::path& dir)
{
    fs::copy_file(root / "conf/sscep.conf", dir / "sscep_flat.conf", fs::copy_options::overwrite_existing);
    fs::copy_file(root / "conf/sscep-sectioned.conf", dir / "sscep_sectioned.conf",
                  fs::copy_options::overwrite_existing);
    write(dir / "flat_quoted.conf", "# comment\nURL http://127.0.0.1/scep\nCAIdentifier \"My CA \\\"one\\\"\"\n"
                                    "Verbose yes\nMaxPollCount 5\nPollInterval 10\nCACertFile ca.crt\n");
    write(dir / "sectioned_enroll.conf", "[sscep]\nURL = http://127.0.0.1/scep\nVerbose = no\n"
                                         "[sscep_enroll]\nPrivateKeyFile = local.key\nCertReqFile = local.csr\n"
                                         "LocalCertFile = local.crt\nMaxPollTime = 60\n"
                                         "[sscep_getca]\nCACertFile = ca.crt\n[sscep_engine]\nengine = pkcs11\n");
    write(dir / "sectioned_empty_values.conf", "URL =\n[sscep_getcert]\nGetCertSerial = 0x1F\n; comment\n");
}

std::string request_line(std::string_view method, std::string_view target)
{
    return std::string(method) + " " + std::string(target) + "\n";
}

void write_http(const fs::path& path, std::string_view method, std::string_view target, const bytes& body = {})
{
    auto text = request_line(method, target);
    text.append(body.begin(), body.end());
    write(path, text);
}

// Requests as our client builds them, to the test CA of testca_world.
void testca_seeds(world& w, fuzz::testca_world& ca, const fs::path& dir)
{
    write_http(dir / "getcacaps", "GET", "/scep?operation=GetCACaps");
    write_http(dir / "getcacert", "GET", "/cgi-bin/pkiclient.exe?operation=GetCACert&message=CA");
    write_http(dir / "getnextcacert", "GET", "/scep?operation=GetNextCACert");
    write_http(dir / "unknown_operation", "GET", "/scep?operation=Nonsense&x=%41");
    write_http(dir / "put", "PUT", "/scep?operation=GetCACaps");

    const auto pki = "/scep?operation=PKIOperation";
    const auto aes = asn1::cipher_algorithm::aes128_cbc;
    const auto sha256 = asn1::digest_algorithm::sha256;
    const auto fresh = fuzz::client_message(scep::message_type::pkcs_req, fuzz::request_transaction_id, w.csr_der(),
                                            w.client, ca.ca_cert(), aes, sha256, w.rng);
    write_http(dir / "pkcsreq", "POST", pki, fresh);
    const auto b64 = Botan::base64_encode(fresh.data(), fresh.size());
    write_http(dir / "pkcsreq_get", "GET", std::string(pki) + "&message=" + percent_encode(b64));

    const auto wrong = fuzz::client_csr(w.client, "not the challenge");
    write_http(dir / "pkcsreq_wrong_challenge", "POST", pki,
               fuzz::client_message(scep::message_type::pkcs_req, "7777", wrong, w.client, ca.ca_cert(),
                                    asn1::cipher_algorithm::des_ede3_cbc, asn1::digest_algorithm::sha1, w.rng));
    // The pending transaction again: counts as a poll, so the CA issues.
    write_http(dir / "pkcsreq_resent", "POST", pki,
               fuzz::client_message(scep::message_type::pkcs_req, fuzz::pending_transaction_id, w.csr_der(),
                                    w.client, ca.ca_cert(), aes, sha256, w.rng));
    bytes subject;
    Botan::DER_Encoder(subject).encode(scep::read_csr(w.csr).value().subject);
    const auto poll_data = scep::encode_issuer_and_subject(ca.ca_cert().raw_subject_dn(), subject);
    write_http(dir / "certpoll", "POST", pki,
               fuzz::client_message(scep::message_type::cert_poll, fuzz::pending_transaction_id, poll_data, w.client,
                                    ca.ca_cert(), aes, sha256, w.rng));
    const auto id = cms::issuer_and_serial::of(ca.issued()).encode();
    write_http(dir / "getcert", "POST", pki,
               fuzz::client_message(scep::message_type::get_cert, "6666", id, w.client, ca.ca_cert(), aes,
                                    asn1::digest_algorithm::sha512, w.rng));
    write_http(dir / "getcrl", "POST", pki,
               fuzz::client_message(scep::message_type::get_crl, "5555", id, w.client, ca.ca_cert(), aes, sha256,
                                    w.rng));
    // RenewalReq signed with the certificate the CA issued for this key.
    const fuzz::recipient renewer{fuzz::load_recipient().key, ca.issued()};
    write_http(dir / "renewalreq", "POST", pki,
               fuzz::client_message(scep::message_type::renewal_req, "4444", w.csr_der(), renewer, ca.ca_cert(), aes,
                                    sha256, w.rng));
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: make_scep_corpus SOURCE_ROOT OUT_DIR\n";
        return 2;
    }
    const fs::path root(argv[1]);
    const fs::path out(argv[2]);
    for (const char* name : {"cert_rep", "ca_certs", "caps", "config", "testca"})
        fs::create_directories(out / name);

    world w;
    std::string scratch = (fs::temp_directory_path() / "ascep-scep-corpus-XXXXXX").string();
    if (::mkdtemp(scratch.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed");
    int status = EXIT_SUCCESS;
    try {
        fuzz::testca_world ca(fs::path(scratch) / "state", w.rng);
        cert_rep_seeds(w, out / "cert_rep");
        ca_certs_seeds(w, ca, out / "ca_certs");
        caps_seeds(out / "caps");
        config_seeds(root, out / "config");
        testca_seeds(w, ca, out / "testca");
    } catch (const std::exception& e) {
        std::cerr << "make_scep_corpus: " << e.what() << "\n";
        status = EXIT_FAILURE;
    }
    fs::remove_all(scratch);
    return status;
}
