#include "scep/message_data.hpp"

#include "asn1/ber.hpp"
#include "cms/guard.hpp"

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

boost::system::result<issuer_and_subject> parse_issuer_and_subject(std::span<const std::uint8_t> der)
{
    return cms::guarded<issuer_and_subject>(cms::errc::malformed, [&] {
        const auto seq = asn1::read_single(der);
        if (!asn1::is_sequence(seq))
            asn1::fail("IssuerAndSubject is not a SEQUENCE");
        const auto names = asn1::children(seq);
        if (names.size() != 2 || !asn1::is_sequence(names[0]) || !asn1::is_sequence(names[1]))
            asn1::fail("IssuerAndSubject must be { Name, Name }");
        return issuer_and_subject{asn1::encode_tlv(names[0]), asn1::encode_tlv(names[1])};
    });
}

boost::system::result<cms::issuer_and_serial> parse_issuer_and_serial(std::span<const std::uint8_t> der)
{
    return cms::guarded<cms::issuer_and_serial>(
        cms::errc::malformed, [&] { return cms::issuer_and_serial::decode_from(asn1::read_single(der)); });
}

} // namespace ascep::scep
