#include "asn1/ber.hpp"

#include <botan/bigint.h>
#include <botan/der_enc.h>

namespace ascep::asn1 {

using Botan::ASN1_Tag;
using Botan::BER_Object;

void fail(const std::string& what, errc code)
{
    throw decode_failure(code, what);
}

namespace {

/// One open constructed element of check_limits' walk.
struct open_element {
    bool indefinite;
    /// Where its contents end (definite), or the end of the nearest definite
    /// ancestor or of the input, which an indefinite one may not pass.
    std::size_t end;
};

} // namespace

void check_limits(std::span<const std::uint8_t> input)
{
    const std::size_t n = input.size();
    std::vector<open_element> open;
    std::size_t indefinite = 0;
    std::size_t pos = 0;
    while (true) {
        while (!open.empty() && !open.back().indefinite && pos == open.back().end)
            open.pop_back();
        const std::size_t limit = open.empty() ? n : open.back().end;
        if (pos == n) {
            if (!open.empty())
                fail("BER input ends inside a constructed element");
            return;
        }
        // End-of-contents closes the innermost indefinite-length element.
        if (!open.empty() && open.back().indefinite && limit - pos >= 2 && input[pos] == 0 && input[pos + 1] == 0) {
            open.pop_back();
            pos += 2;
            continue;
        }
        if (pos >= limit)
            fail("BER element overruns its container");

        const std::uint8_t identifier = input[pos++];
        if ((identifier & 0x1f) == 0x1f) {
            // High tag number form: base-128 digits, at most 4 (as Botan).
            std::size_t digits = 0;
            do {
                if (pos >= limit || ++digits > 4)
                    fail("BER tag is truncated or too long");
            } while ((input[pos++] & 0x80) != 0);
        }
        if (pos >= limit)
            fail("BER length is missing");
        const std::uint8_t first = input[pos++];
        const bool constructed = (identifier & 0x20) != 0;
        if (first == 0x80) {
            if (!constructed)
                fail("indefinite length on a primitive BER element");
            if (open.size() >= max_nesting_depth)
                fail("BER elements nested too deeply", errc::too_deep);
            if (++indefinite > max_indefinite_lengths)
                fail("too many indefinite-length BER elements", errc::too_large);
            open.push_back({true, limit});
            continue;
        }
        std::size_t length = first;
        if ((first & 0x80) != 0) {
            const std::size_t count = first & 0x7f;
            if (count > 4 || limit - pos < count)
                fail("BER length is truncated or too long");
            length = 0;
            for (std::size_t i = 0; i < count; ++i)
                length = (length << 8) | input[pos++];
        }
        if (length > limit - pos)
            fail("BER element overruns its container");
        if (constructed) {
            if (open.size() >= max_nesting_depth)
                fail("BER elements nested too deeply", errc::too_deep);
            open.push_back({false, pos + length});
        } else {
            pos += length;
        }
    }
}

BER_Object read_single(std::span<const std::uint8_t> input)
{
    check_limits(input);
    Botan::BER_Decoder dec(input.data(), input.size());
    BER_Object obj = dec.get_next_object();
    if (!obj.is_set())
        fail("empty input");
    if (dec.more_items())
        fail("trailing bytes after the outermost element");
    return obj;
}

std::vector<BER_Object> children(const BER_Object& constructed)
{
    if ((constructed.get_class() & Botan::CONSTRUCTED) == 0)
        fail("expected a constructed element");
    std::vector<BER_Object> out;
    Botan::BER_Decoder dec(constructed.bits(), constructed.length());
    for (BER_Object child = dec.get_next_object(); child.is_set(); child = dec.get_next_object())
        out.push_back(std::move(child));
    return out;
}

void expect(const BER_Object& obj, ASN1_Tag type, ASN1_Tag cls, const char* what)
{
    if (!obj.is_a(type, cls))
        fail(std::string("unexpected tag for ") + what);
}

bool is_universal(const BER_Object& obj, ASN1_Tag type)
{
    return obj.type() == type && (obj.get_class() & ~Botan::CONSTRUCTED) == Botan::UNIVERSAL;
}

bool is_sequence(const BER_Object& obj)
{
    return obj.is_a(Botan::SEQUENCE, Botan::CONSTRUCTED);
}

bool is_context(const BER_Object& obj, unsigned n)
{
    return obj.type() == static_cast<ASN1_Tag>(n) &&
           (obj.get_class() & ~Botan::CONSTRUCTED) == Botan::CONTEXT_SPECIFIC;
}

bytes octets(const BER_Object& obj, std::size_t depth)
{
    if ((obj.get_class() & Botan::CONSTRUCTED) == 0)
        return contents(obj);
    // Constructed form: a series of OCTET STRING segments, themselves possibly
    // constructed (BER allows it; openssl -stream writes one level).
    if (depth >= max_octet_string_depth)
        fail("constructed OCTET STRING nested too deeply", errc::too_deep);
    bytes out;
    for (const BER_Object& part : children(obj)) {
        if (!is_universal(part, Botan::OCTET_STRING))
            fail("constructed OCTET STRING holds a non-OCTET STRING segment");
        const bytes piece = octets(part, depth + 1);
        out.insert(out.end(), piece.begin(), piece.end());
    }
    return out;
}

bytes encode_tlv(ASN1_Tag type, ASN1_Tag cls, std::span<const std::uint8_t> body)
{
    bytes out;
    Botan::DER_Encoder enc(out);
    enc.add_object(type, cls, body.data(), body.size());
    return out;
}

bytes encode_tlv(const BER_Object& obj)
{
    return encode_tlv(obj.type(), obj.get_class(), {obj.bits(), obj.length()});
}

bytes contents(const BER_Object& obj)
{
    return bytes(obj.bits(), obj.bits() + obj.length());
}

Botan::OID to_oid(const BER_Object& obj)
{
    expect(obj, Botan::OBJECT_ID, Botan::UNIVERSAL, "OBJECT IDENTIFIER");
    return decode_as<Botan::OID>(obj);
}

std::size_t to_small_int(const BER_Object& obj)
{
    expect(obj, Botan::INTEGER, Botan::UNIVERSAL, "INTEGER");
    const auto n = decode_as<Botan::BigInt>(obj);
    if (n.is_negative() || n.bits() > 31)
        fail("INTEGER out of range");
    return static_cast<std::size_t>(n.to_u32bit());
}

algorithm_id to_algorithm_id(const BER_Object& obj)
{
    if (!is_sequence(obj))
        fail("AlgorithmIdentifier is not a SEQUENCE");
    auto parts = children(obj);
    if (parts.empty() || parts.size() > 2)
        fail("AlgorithmIdentifier has the wrong number of fields");
    algorithm_id out;
    out.oid = to_oid(parts[0]);
    if (parts.size() == 2)
        out.parameters = std::move(parts[1]);
    return out;
}

} // namespace ascep::asn1
