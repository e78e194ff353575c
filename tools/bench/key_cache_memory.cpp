// What fleet::key_cache really holds per PENDING device, against what it
// budgets (key_cache::estimate): N entries (default 10,000) of RSA-2048,
// each its own key decoded from PKCS#8 (as the fleet loads key.pem), its
// private operation made by one signature (the blinder, as after the
// device's first request) and a request from scep::make_csr, put into one
// key_cache with the default budget. Prints the growth of VmRSS over the
// entries (malloc_trim before each reading), per entry, beside the
// estimate, and how many entries the default budget admitted. This replaces
// the unit test that multiplied two constants.
// Not a test: it measures and prints, nothing passes or fails.
//   usage: key_cache_memory [N=10000] [BITS=2048]
#include "cms/private_key_ops.hpp"
#include "cms/software_key.hpp"
#include "fleet/key_cache.hpp"
#include "scep/csr.hpp"
#include "vm_rss.hpp"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    using namespace ascep;
    const long n = argc > 1 ? std::atol(argv[1]) : 10000;
    const std::size_t bits = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 2048;
    Botan::AutoSeeded_RNG rng;
    // A few keys, decoded again for every entry: each entry holds its own
    // numbers, as each device's key.pem is its own.
    std::vector<std::string> pems;
    for (int i = 0; i < 4; ++i)
        pems.push_back(Botan::PKCS8::PEM_encode(Botan::RSA_PrivateKey(rng, bits)));
    std::string why;
    scep::csr_fields fields;
    fields.subject = *scep::make_dn({{"CN", "dev-000001"}, {"O", "Fleet Bench"}}, why);
    fields.dns = {"dev-000001.example.test"};
    fields.challenge = "a challenge of ordinary length";
    const std::vector<std::uint8_t> message(32, 0x42);

    fleet::key_cache cache;
    std::size_t estimated = 0;
    long admitted = 0;
    ::malloc_trim(0);
    const long before = ascep::bench::vm_rss_kib();
    for (long i = 0; i < n; ++i) {
        Botan::DataSource_Memory src(pems[static_cast<std::size_t>(i) % pems.size()]);
        std::shared_ptr<const Botan::Private_Key> key(Botan::PKCS8::load_key(src));
        auto ops = std::make_shared<const cms::software_key>(key);
        auto csr = scep::make_csr(*ops, fields); // signs: the operation and its blinder exist now
        fleet::cached_key entry{std::move(ops), std::move(csr)};
        const auto e = fleet::key_cache::estimate(entry);
        if (cache.put("dev-" + std::to_string(i), std::move(entry))) {
            estimated += e;
            ++admitted;
        }
    }
    ::malloc_trim(0);
    const long after = ascep::bench::vm_rss_kib();
    if (admitted == 0 || before < 0 || after < 0) {
        std::fprintf(stderr, "key_cache_memory: nothing measured\n");
        return 1;
    }
    const double measured_per = (after - before) * 1024.0 / static_cast<double>(admitted);
    const double estimated_per = static_cast<double>(estimated) / static_cast<double>(admitted);
    std::printf("RSA-%zu entries admitted by the default budget (%zu MiB): %ld of %ld\n", bits,
                fleet::key_cache::default_budget >> 20, admitted, n);
    std::printf("VmRSS growth: %.1f MiB, %.0f bytes per entry\n", (after - before) / 1024.0, measured_per);
    std::printf("estimate:     %.1f MiB, %.0f bytes per entry\n", estimated / 1048576.0, estimated_per);
    std::printf("measured / estimate: %.2fx\n", measured_per / estimated_per);
    return 0;
}
