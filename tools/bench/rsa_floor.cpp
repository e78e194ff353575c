// The RSA work one certificate cannot do without, through ascep's own code
// path (cms::private_key_ops), timed in CPU: load the key (PKCS#8 PEM), make
// its one private operation (Botan 2.19's blinder), sign three times (the
// CSR, the self-signed certificate, the pkiMessage: RFC 8894 needs all three)
// and open one key transport (the reply). No I/O, no parsing, no HTTP: a
// lower bound for `ascep fleet`'s CPU per certificate. tools/bench/cpu_per_cert
// runs it with the same keys and prints it beside the peers.
//
//   rsa_floor KEY.pem [KEY.pem ...]    prints "<ms per certificate>"
//
// With --ca, the CA's side instead (tools/bench/testca_throughput): one CA
// key loaded once, and per certificate what a CA cannot do without: open the
// request's key transport, sign the certificate, sign the CertRep, through
// the same cms::software_key the test CA uses (one blinder for all).
//
//   rsa_floor --ca CA-KEY.pem N        prints "<ms per certificate>"
#include "cms/software_key.hpp"

#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>

#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <stdexcept>
#include <vector>

namespace {

double cpu_seconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// What one device costs in private-key work, start to end.
void one_certificate(const char* key_file, const std::vector<std::uint8_t>& wrapped_for)
{
    Botan::DataSource_Stream src(key_file);
    std::shared_ptr<const Botan::Private_Key> key(Botan::PKCS8::load_key(src));
    const ascep::cms::software_key ops(key);
    const std::vector<std::uint8_t> tbs(600, 0x5A); // about a CSR's or a certificate's signed part
    for (int i = 0; i < 3; ++i)
        if (!ops.sign(tbs, ascep::asn1::digest_algorithm::sha256))
            throw std::runtime_error("signing failed");
    if (!ops.decrypt(wrapped_for, "EME-PKCS1-v1_5"))
        throw std::runtime_error("decryption failed");
}

int ca_floor(const char* key_file, int n)
{
    Botan::DataSource_Stream src(key_file);
    std::shared_ptr<const Botan::Private_Key> key(Botan::PKCS8::load_key(src));
    const ascep::cms::software_key ops(key);
    std::vector<std::vector<std::uint8_t>> wrapped;
    Botan::PK_Encryptor_EME enc(*key, Botan::system_rng(), "EME-PKCS1-v1_5");
    for (int i = 0; i < n; ++i) {
        const std::vector<std::uint8_t> content_key(16, static_cast<std::uint8_t>(i));
        wrapped.push_back(enc.encrypt(content_key, Botan::system_rng()));
    }
    const std::vector<std::uint8_t> tbs(600, 0x5A);
    // The blinder is made on first use, once per CA key: not per certificate.
    if (!ops.sign(tbs, ascep::asn1::digest_algorithm::sha256))
        throw std::runtime_error("signing failed");
    const double start = cpu_seconds();
    for (int i = 0; i < n; ++i) {
        if (!ops.decrypt(wrapped[static_cast<std::size_t>(i)], "EME-PKCS1-v1_5"))
            throw std::runtime_error("decryption failed");
        for (int j = 0; j < 2; ++j)
            if (!ops.sign(tbs, ascep::asn1::digest_algorithm::sha256))
                throw std::runtime_error("signing failed");
    }
    std::printf("%.3f\n", (cpu_seconds() - start) * 1000 / n);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 4 && std::string_view(argv[1]) == "--ca") {
        try {
            return ca_floor(argv[2], std::atoi(argv[3]) > 0 ? std::atoi(argv[3]) : 100);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "rsa_floor: %s\n", e.what());
            return 1;
        }
    }
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s KEY.pem [KEY.pem ...]\n", argv[0]);
        return 2;
    }
    try {
        // Content keys wrapped to each key beforehand (the CA's work, not ours).
        std::vector<std::vector<std::uint8_t>> wrapped;
        for (int i = 1; i < argc; ++i) {
            Botan::DataSource_Stream src(argv[i]);
            const std::unique_ptr<Botan::Private_Key> key(Botan::PKCS8::load_key(src));
            Botan::PK_Encryptor_EME enc(*key, Botan::system_rng(), "EME-PKCS1-v1_5");
            const std::vector<std::uint8_t> content_key(16, 0x42);
            wrapped.push_back(enc.encrypt(content_key, Botan::system_rng()));
        }
        const double start = cpu_seconds();
        for (int i = 1; i < argc; ++i)
            one_certificate(argv[i], wrapped[static_cast<std::size_t>(i - 1)]);
        std::printf("%.3f\n", (cpu_seconds() - start) * 1000 / (argc - 1));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rsa_floor: %s\n", e.what());
        return 1;
    }
    return 0;
}
