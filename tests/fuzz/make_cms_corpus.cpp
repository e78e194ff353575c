// Writes the seed corpus for fuzz_cms: real messages as our builders make
// them, so the fuzzer starts from valid structure instead of guessing it.
//
//   make_cms_corpus OUT_DIR          the seeds (see tests/fuzz/corpus/cms)
//   make_cms_corpus --pem OUT_DIR    the fixed recipient's key and certificate,
//                                    for making BER seeds with `openssl cms`
//
// Envelopes are encrypted to the fixed recipient of fuzz_identity.hpp, which
// fuzz_cms decrypts with; signatures come from throwaway test_pki keys.
//
// The openssl_* seeds give the BER shapes our DER builders never write
// (indefinite lengths, constructed OCTET STRINGs, subjectKeyIdentifier, OAEP,
// no signed attributes). With K="-signer recipient_cert.pem -inkey recipient_key.pem"
// and a 300-byte content.bin they were made by:
//   openssl cms -sign -stream -nodetach -binary -outform DER -in content.bin $K          (signed_stream)
//   openssl cms -sign -binary -md sha1 -outform DER -in content.bin $K                   (signed_detached)
//   openssl cms -sign -stream -nodetach -binary -noattr -keyid -md sha384 ... $K         (signed_noattr_keyid)
//   openssl cms -encrypt -stream -binary -aes-256-cbc -outform DER ... recipient_cert.pem (enveloped_stream)
//   openssl cms -encrypt -binary -des3 -outform DER -recip recipient_cert.pem
//     -keyopt rsa_padding_mode:oaep ...                                                   (enveloped_oaep)
//   openssl cms -encrypt -binary -keyid -aes128 -outform DER ... recipient_cert.pem       (enveloped_keyid)
//   the signed_stream command over an -encrypt -aes128 output                            (signed_enveloped_stream)

#include "asn1/algorithms.hpp"
#include "asn1/oids.hpp"
#include "cms/attribute.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/signed_data.hpp"
#include "fuzz_identity.hpp"
#include "test_pki.hpp"


#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace ascep;
using cms::bytes;

// Roughly the size of a PKCS#10 request, so it spans several cipher blocks.
const bytes request_like(300, 0x5a);

void write(const std::filesystem::path& path, std::span<const std::uint8_t> data)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

void write(const std::filesystem::path& path, std::string_view text)
{
    write(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// The attributes a SCEP PKCSReq carries besides CMS's own.
std::vector<cms::attribute> scep_attributes()
{
    return {
        {asn1::oids::scep_message_type, {cms::encode_string("19")}},
        {asn1::oids::scep_transaction_id, {cms::encode_string("2F3C88114C283E9A6CD57BB8EC9DE3AC")}},
        {asn1::oids::scep_sender_nonce, {cms::encode_octet_string(bytes(16, 0xa5))}},
    };
}

bytes signed_message(const test::identity& signer, asn1::digest_algorithm digest, bytes content)
{
    cms::signing_request req;
    req.content_type = asn1::oids::data;
    req.content = std::move(content);
    req.digest = digest;
    req.extra_attributes = scep_attributes();
    req.signing_time = std::chrono::system_clock::now();
    req.certificates = {signer.cert};
    return cms::make_signed_data(req, *signer.key, signer.cert).value();
}

bytes envelope(const Botan::X509_Certificate& to, asn1::cipher_algorithm cipher)
{
    return cms::make_enveloped_data(request_like, {to}, cipher, test::rng()).value();
}

void make_seeds(const std::filesystem::path& dir)
{
    const auto signer = test::self_signed("ascep fuzz signer");
    const auto recipient = fuzz::load_recipient();

    for (auto d : {asn1::digest_algorithm::md5, asn1::digest_algorithm::sha1, asn1::digest_algorithm::sha256,
                   asn1::digest_algorithm::sha512}) {
        write(dir / ("signed_" + std::string(asn1::cli_name(d)) + ".der"), signed_message(signer, d, request_like));
    }
    // The full PKCSReq shape: a SignedData whose content is an EnvelopedData.
    write(dir / "signed_enveloped.der",
          signed_message(signer, asn1::digest_algorithm::sha256,
                         envelope(recipient.cert, asn1::cipher_algorithm::aes128_cbc)));

    // A CA chain, as GetCACert returns it.
    const auto issued = test::issue(signer, *test::cached_key(1), "ascep fuzz leaf");
    write(dir / "certs_only.der", cms::make_certs_only({signer.cert, issued}));

    for (auto c : {asn1::cipher_algorithm::des_cbc, asn1::cipher_algorithm::des_ede3_cbc,
                   asn1::cipher_algorithm::aes128_cbc, asn1::cipher_algorithm::aes192_cbc,
                   asn1::cipher_algorithm::aes256_cbc, asn1::cipher_algorithm::blowfish_cbc}) {
        write(dir / ("enveloped_" + std::string(asn1::cli_name(c)) + ".der"), envelope(recipient.cert, c));
    }
}

} // namespace

int main(int argc, char** argv)
{
    // Botan's locked-memory pool must outlive test_pki's cached keys, which
    // free into it at exit: seeding the RNG first creates the pool before the
    // key cache, so it is destroyed after it (otherwise ASan sees a SEGV at exit).
    (void)test::rng().next_byte();
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.size() == 1) {
        make_seeds(std::string(args[0]));
        return EXIT_SUCCESS;
    }
    if (args.size() == 2 && args[0] == "--pem") {
        const std::filesystem::path dir(args[1]);
        write(dir / "recipient_key.pem", fuzz::recipient_key_pem);
        write(dir / "recipient_cert.pem", fuzz::recipient_cert_pem);
        return EXIT_SUCCESS;
    }
    std::cerr << "usage: make_cms_corpus OUT_DIR | make_cms_corpus --pem OUT_DIR\n";
    return 2;
}
