// What --key-pass costs a key file, in CPU, through ascep's own code
// (keys::encode_private_key and keys::decode_private_key): writing and
// reading an RSA key encrypted under PBKDF2-HMAC-SHA256 with
// keys::pbkdf2_iterations, beside the same key unencrypted, and beside the
// RSA key generation every new key costs anyway (the peer: what a fleet
// device or an mkrequest spends on its key without a passphrase).
// docs/keys.md quotes its output.
//
//   key_pass [ROUNDS] [BITS]     defaults: 20 rounds, 2048 bits
#include "keys/key_file.hpp"

#include <botan/auto_rng.h>
#include <botan/rsa.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace {

double cpu_ms()
{
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

/// Median CPU milliseconds of `rounds` calls.
double median_ms(int rounds, const std::function<void()>& f)
{
    std::vector<double> t;
    for (int i = 0; i < rounds; ++i) {
        const double start = cpu_ms();
        f();
        t.push_back(cpu_ms() - start);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
    const std::size_t bits = argc > 2 ? static_cast<std::size_t>(std::atoi(argv[2])) : 2048;
    if (rounds < 1 || bits < 1024) {
        std::fprintf(stderr, "usage: %s [ROUNDS] [BITS]\n", argv[0]);
        return 2;
    }
    Botan::AutoSeeded_RNG rng;
    const std::string text = "a passphrase of some length";
    const ascep::keys::passphrase pass(Botan::secure_vector<std::uint8_t>(text.begin(), text.end()));
    const Botan::RSA_PrivateKey key(rng, bits);
    const auto plain_pem = ascep::keys::encode_private_key(key, nullptr, rng);
    const auto sealed_pem = ascep::keys::encode_private_key(key, &pass, rng);
    const std::vector<std::uint8_t> plain(plain_pem.begin(), plain_pem.end());
    const std::vector<std::uint8_t> sealed(sealed_pem.begin(), sealed_pem.end());

    const double write_plain = median_ms(rounds, [&] { (void)ascep::keys::encode_private_key(key, nullptr, rng); });
    const double write_sealed = median_ms(rounds, [&] { (void)ascep::keys::encode_private_key(key, &pass, rng); });
    const double read_plain = median_ms(rounds, [&] {
        if (!ascep::keys::decode_private_key(plain, "k", nullptr))
            std::abort();
    });
    const double read_sealed = median_ms(rounds, [&] {
        if (!ascep::keys::decode_private_key(sealed, "k", &pass))
            std::abort();
    });
    const int keygen_rounds = std::max(3, rounds / 4);
    const double keygen = median_ms(keygen_rounds, [&] { const Botan::RSA_PrivateKey k(rng, bits); });

    std::printf("PBKDF2-HMAC-SHA256 iterations   %zu\n", ascep::keys::pbkdf2_iterations);
    std::printf("RSA-%zu, CPU ms (median of %d)  plain     encrypted\n", bits, rounds);
    std::printf("  write (encode)                %7.2f   %7.2f\n", write_plain, write_sealed);
    std::printf("  read (decode)                 %7.2f   %7.2f\n", read_plain, read_sealed);
    std::printf("  RSA-%zu key generation (median of %d)  %7.1f\n", bits, keygen_rounds, keygen);
    std::printf("encrypted / plain: write %.1fx, read %.1fx\n", write_sealed / write_plain, read_sealed / read_plain);
    std::printf("new key, encrypted / plain (keygen + write): %.2fx\n",
                (keygen + write_sealed) / (keygen + write_plain));
    std::printf("10,000 devices: +%.0f s CPU to write their keys, +%.0f s to read them all back on resume\n",
                (write_sealed - write_plain) * 10000 / 1000, (read_sealed - read_plain) * 10000 / 1000);
    return 0;
}
