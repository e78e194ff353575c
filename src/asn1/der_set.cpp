#include "asn1/der_set.hpp"

#include "asn1/ber.hpp"

#include <algorithm>

namespace ascep::asn1 {

bool der_set_less(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b)
{
    const auto common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i)
        if (a[i] != b[i])
            return a[i] < b[i];
    // Equal so far: the longer one is greater unless it goes on with zeros
    // only, which the padding of the shorter one matches.
    const auto tail = b.subspan(common);
    return std::any_of(tail.begin(), tail.end(), [](std::uint8_t x) { return x != 0; });
}

bool in_der_set_order(std::span<const bytes> components)
{
    for (std::size_t i = 1; i < components.size(); ++i)
        if (der_set_less(components[i], components[i - 1]))
            return false;
    return true;
}

bytes encode_der_set_of(std::vector<bytes> components, Botan::ASN1_Tag tag, Botan::ASN1_Tag cls)
{
    std::stable_sort(components.begin(), components.end(),
                     [](const bytes& a, const bytes& b) { return der_set_less(a, b); });
    bytes body;
    for (const auto& c : components)
        body.insert(body.end(), c.begin(), c.end());
    return encode_tlv(tag, Botan::ASN1_Tag(cls | Botan::CONSTRUCTED), body);
}

} // namespace ascep::asn1
