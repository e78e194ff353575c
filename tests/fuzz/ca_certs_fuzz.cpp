// libFuzzer target for GetCACert and GetNextCACert responses: whatever a CA
// sends there is read by scep::parse_ca_certs (DER certificate, certs-only
// PKCS#7, PEM of either), given roles by select_ca_roles, and checked by
// verify_next_ca against the fixed CA of fuzz_identity.hpp, which signed the
// GetNextCACert seeds (make_scep_corpus). Errors are values; an exception
// escaping the scep API crashes here.

#include "fuzz_identity.hpp"

#include "scep/ca_certs.hpp"
#include "scep/ca_roles.hpp"
#include "scep/error.hpp"

#include <botan/pkix_types.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

using namespace ascep;

struct fixture {
    fuzz::recipient ca = fuzz::load_ca();
    std::vector<Botan::X509_Certificate> signers{ca.cert};
};

void use_chain(const std::vector<Botan::X509_Certificate>& chain)
{
    const auto roles = scep::select_ca_roles(chain);
    if (!roles) {
        // Only an empty chain, or one that leaves a role open, has no roles.
        if (!chain.empty() && (roles.error().code != scep::errc::ambiguous_ca || roles.error().text.empty()))
            __builtin_trap();
        return;
    }
    if (roles->notes.size() != chain.size() || roles->chain.empty() || !(roles->chain.front() == roles->ca))
        __builtin_trap();
    (void)roles->ca.subject_dn().to_string();
    (void)roles->encryption.subject_public_key_bitstring();
    if (roles->signers.empty())
        __builtin_trap(); // the CA always signs
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> input(data, size);
    if (const auto chain = scep::parse_ca_certs(input)) {
        if (chain->empty())
            __builtin_trap(); // documented: missing_content instead
        use_chain(*chain);
    }
    if (const auto next = scep::verify_next_ca(input, fuzz::once<fixture>().signers))
        use_chain(*next);
    return 0;
}
