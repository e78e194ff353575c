#include "scep/message_data.hpp"

#include <botan/der_enc.h>

namespace ascep::scep {

std::vector<std::uint8_t> encode_issuer_and_subject(std::span<const std::uint8_t> issuer_der,
                                                    std::span<const std::uint8_t> subject_der)
{
    std::vector<std::uint8_t> out;
    Botan::DER_Encoder enc(out);
    enc.start_cons(Botan::SEQUENCE)
        .raw_bytes(issuer_der.data(), issuer_der.size())
        .raw_bytes(subject_der.data(), subject_der.size())
        .end_cons();
    return out;
}

} // namespace ascep::scep
