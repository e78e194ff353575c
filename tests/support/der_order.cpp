#include "der_order.hpp"

#include "asn1/ber.hpp"
#include "asn1/der_set.hpp"

#include <algorithm>

namespace ascep::test {
namespace {

std::uint8_t identifier_of(const Botan::BER_Object& obj)
{
    // Every tag DER structures here use is below 31: one identifier octet.
    return static_cast<std::uint8_t>(obj.get_class() | obj.type());
}

void walk(const Botan::BER_Object& obj, const std::string& path, const std::vector<std::uint8_t>& set_tags,
          std::vector<std::string>& out)
{
    if ((obj.get_class() & Botan::CONSTRUCTED) == 0)
        return;
    const auto parts = asn1::children(obj);
    if (std::find(set_tags.begin(), set_tags.end(), identifier_of(obj)) != set_tags.end()) {
        std::vector<asn1::bytes> encoded;
        for (const auto& p : parts)
            encoded.push_back(asn1::encode_tlv(p));
        if (!asn1::in_der_set_order(encoded))
            out.push_back(path);
    }
    for (std::size_t i = 0; i < parts.size(); ++i)
        walk(parts[i], path.empty() ? std::to_string(i) : path + "." + std::to_string(i), set_tags, out);
}

} // namespace

std::vector<std::string> unsorted_sets(std::span<const std::uint8_t> der, const std::vector<std::uint8_t>& set_tags)
{
    std::vector<std::string> out;
    walk(asn1::read_single(der), "", set_tags, out);
    return out;
}

} // namespace ascep::test
