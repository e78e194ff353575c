// libFuzzer target for the cms layer: every byte string a SCEP server sends
// us reaches parse_signed_data or parse_enveloped_data, so those, and what we
// do with their results, must survive any input.
//
// The public cms API reports bad input as error codes; an exception escaping
// it is a bug, so none is caught here and libFuzzer reports it as a crash.
// The asn1 helpers are allowed to throw on bad input (the cms layer catches
// at its edge), so only their documented decoding errors are caught.

#include "asn1/ber.hpp"
#include "cms/attribute.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/signed_data.hpp"
#include "fuzz_identity.hpp"

#include <botan/auto_rng.h>
#include <botan/exceptn.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

using namespace ascep;

// A message may carry many certificates; checking every signer against every
// one would spend the fuzzer's time in RSA rather than in our parsing.
constexpr std::size_t max_certificates_tried = 4;
// Deep enough for any real CMS message; Botan bounds BER nesting itself.
constexpr std::size_t max_walk_depth = 64;

struct fixture {
    fuzz::recipient me = fuzz::load_recipient();
    Botan::AutoSeeded_RNG rng;
};

// Made once: loading the key per input would cost more than the parsing.
fixture* fixed = nullptr;

void touch_attributes(const cms::signer_info& si)
{
    for (const auto& attr : si.signed_attributes) {
        (void)attr.single_value();
        for (const auto& value : attr.values) {
            (void)cms::decode_octet_string(value);
            (void)cms::decode_string(value);
        }
    }
}

void try_decrypt(std::span<const std::uint8_t> input)
{
    const auto env = cms::parse_enveloped_data(input);
    if (!env)
        return;
    (void)cms::decrypt(*env, *fixed->me.key, fixed->me.cert);
}

void try_signed(std::span<const std::uint8_t> input)
{
    const auto sd = cms::parse_signed_data(input);
    if (!sd)
        return;
    for (const auto& si : sd->signers) {
        touch_attributes(si);
        // The input doubles as detached content so that signers of a
        // content-less SignedData still reach the digest check.
        if (const auto* cert = sd->find_certificate(si.sid))
            (void)cms::verify_signer(*sd, si, *cert, input);
        for (std::size_t i = 0; i < sd->certificates.size() && i < max_certificates_tried; ++i)
            (void)cms::verify_signer(*sd, si, sd->certificates[i], input);
    }
    // SCEP nests its pkcsPKIEnvelope inside the SignedData content.
    if (sd->content)
        try_decrypt(*sd->content);
}

void walk(const Botan::BER_Object& obj, std::size_t depth)
{
    if (depth > max_walk_depth)
        return;
    if (asn1::is_universal(obj, Botan::OCTET_STRING) || (obj.get_class() & Botan::CONTEXT_SPECIFIC) != 0)
        (void)asn1::octets(obj);
    if ((obj.get_class() & Botan::CONSTRUCTED) != 0)
        for (const auto& child : asn1::children(obj))
            walk(child, depth + 1);
}

void try_ber(std::span<const std::uint8_t> input)
{
    try {
        walk(asn1::read_single(input), 0);
    } catch (const asn1::decode_failure&) {
        // Bad input, reported as documented.
    } catch (const Botan::Decoding_Error&) {
        // Botan's BER_Decoder under our helpers; cms::guarded expects these too.
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    static fixture instance;
    fixed = &instance;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> input(data, size);
    try_signed(input);
    try_decrypt(input);
    try_ber(input);
    return 0;
}
