// libFuzzer target for GetCACaps bodies: scep::parse_caps reads any text,
// and choose_algorithms picks from it, with and without the user's -E/-S.
// Checks what choose_algorithms promises: -E and -S always win, and
// SCEPStandard means POST.

#include "scep/caps.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace ascep;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto caps = scep::parse_caps(body);
    for (const auto& k : caps.keywords) {
        if (k.empty() || !caps.has(k))
            __builtin_trap(); // blank lines are dropped; every keyword is found
    }

    const auto plain = scep::choose_algorithms(caps, {});
    if (caps.scep_standard() && !plain.use_post)
        __builtin_trap();
    if (plain.use_post != caps.post())
        __builtin_trap();

    const scep::algorithm_overrides forced{asn1::cipher_algorithm::des_cbc, asn1::digest_algorithm::md5};
    const auto user = scep::choose_algorithms(caps, forced);
    if (user.cipher != *forced.cipher || user.digest != *forced.digest)
        __builtin_trap();
    (void)caps.renewal();
    (void)caps.get_next_ca();
    return 0;
}
