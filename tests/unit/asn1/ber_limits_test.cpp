// Resource limits on BER input (issue 7): a megabyte of hostile nesting must
// fail fast with a clean error, never exhaust the stack or spin for minutes.
// Botan 2.19 finds the end of every indefinite-length element by copying and
// rescanning the rest of its input, so 250,000 of them took minutes before
// asn1::check_limits; deep definite nesting is walked without recursion.
#include "asn1/ber.hpp"
#include "cms/enveloped_data.hpp"
#include "cms/error.hpp"
#include "cms/signed_data.hpp"

#include <botan/ber_dec.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <utility>
#include <cstdint>
#include <vector>

using namespace ascep;
using bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::size_t megabyte = 1024 * 1024;
// Far above what the checks need; the unchecked Botan path takes minutes.
constexpr auto fast_enough = std::chrono::seconds(5);

void put_header(bytes& out, std::uint8_t tag, std::size_t length)
{
    out.push_back(tag);
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    out.insert(out.end(), {0x83, static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 8),
                           static_cast<std::uint8_t>(length)});
}

/// SEQUENCE { SEQUENCE { ... } } with definite lengths, built from the inside out, about `size` bytes.
bytes nested_definite(std::uint8_t tag, std::size_t size)
{
    bytes reversed; // the encoding backwards, so each level is an append
    while (reversed.size() < size) {
        const std::size_t length = reversed.size();
        bytes header;
        put_header(header, tag, length);
        reversed.insert(reversed.end(), header.rbegin(), header.rend());
    }
    return bytes(reversed.rbegin(), reversed.rend());
}

/// `tag` 80 `tag` 80 ... 00 00 00 00: indefinite lengths nested `size` / 4 deep.
bytes nested_indefinite(std::uint8_t tag, std::size_t size)
{
    const std::size_t levels = size / 4;
    bytes out;
    out.reserve(levels * 4);
    for (std::size_t i = 0; i < levels; ++i)
        out.insert(out.end(), {tag, 0x80});
    out.insert(out.end(), levels * 2, 0x00);
    return out;
}

/// One definite SEQUENCE holding empty indefinite-length SEQUENCEs, about `size` bytes.
bytes many_indefinite(std::size_t size)
{
    bytes inner;
    while (inner.size() + 4 <= size - 5)
        inner.insert(inner.end(), {0x30, 0x80, 0x00, 0x00});
    bytes out;
    put_header(out, 0x30, inner.size());
    out.insert(out.end(), inner.begin(), inner.end());
    return out;
}

/// A ContentInfo(SignedData) whose SignedData is `body`: the hostile part sits
/// where a real reply has its fields, past the first checks.
bytes in_signed_data(const bytes& body)
{
    static const bytes signed_data_oid = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
    bytes explicit0;
    put_header(explicit0, 0xa0, body.size());
    explicit0.insert(explicit0.end(), body.begin(), body.end());
    bytes out;
    put_header(out, 0x30, signed_data_oid.size() + explicit0.size());
    out.insert(out.end(), signed_data_oid.begin(), signed_data_oid.end());
    out.insert(out.end(), explicit0.begin(), explicit0.end());
    return out;
}

template <typename F>
auto timed(F&& f)
{
    const auto start = std::chrono::steady_clock::now();
    auto result = f();
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took < fast_enough);
    return result;
}

asn1::errc limit_error(const bytes& input)
{
    try {
        asn1::check_limits(input);
    } catch (const asn1::decode_failure& e) {
        return e.code();
    }
    FAIL("check_limits accepted the input");
    return asn1::errc::malformed;
}

} // namespace

TEST_CASE("a megabyte of nested SEQUENCEs or SETs is refused, quickly")
{
    for (const std::uint8_t tag : {std::uint8_t{0x30}, std::uint8_t{0x31}}) {
        CAPTURE(tag);
        const auto definite = nested_definite(tag, megabyte);
        const auto indefinite = nested_indefinite(tag, megabyte);
        REQUIRE(definite.size() >= megabyte);
        REQUIRE(indefinite.size() >= megabyte - 4);
        // Definite nesting passes max_nesting_depth first; indefinite
        // nesting passes max_indefinite_lengths first.
        const std::pair<const bytes*, cms::errc> cases[] = {{&definite, cms::errc::too_deep},
                                                            {&indefinite, cms::errc::too_large}};
        for (const auto& [input, expected] : cases) {
            const auto sd = timed([&] { return cms::parse_signed_data(*input); });
            REQUIRE_FALSE(sd.has_value());
            CHECK(sd.error() == expected);
            const auto env = timed([&] { return cms::parse_enveloped_data(*input); });
            REQUIRE_FALSE(env.has_value());
            CHECK(env.error() == expected);
            // Inside a well-formed start, as a reply would carry it.
            const auto wrapped = timed([&] { return cms::parse_signed_data(in_signed_data(*input)); });
            REQUIRE_FALSE(wrapped.has_value());
            CHECK(wrapped.error() == expected);
        }
    }
}

TEST_CASE("a megabyte of indefinite-length elements is refused, quickly")
{
    const auto input = many_indefinite(megabyte);
    const auto sd = timed([&] { return cms::parse_signed_data(input); });
    REQUIRE_FALSE(sd.has_value());
    CHECK(sd.error() == cms::errc::too_large);
    const auto wrapped = timed([&] { return cms::parse_signed_data(in_signed_data(input)); });
    REQUIRE_FALSE(wrapped.has_value());
    CHECK(wrapped.error() == cms::errc::too_large);
}

TEST_CASE("Botan's own BER_Decoder stops nested indefinite lengths itself")
{
    // What our check stands in front of: Botan bounds indefinite-length
    // recursion (find_eoc) at 16 levels, so it throws rather than overflow
    // the stack even without asn1::check_limits.
    const auto input = nested_indefinite(0x31, megabyte);
    const bool threw = timed([&] {
        try {
            Botan::BER_Decoder dec(input.data(), input.size());
            (void)dec.get_next_object();
        } catch (const Botan::Decoding_Error&) {
            return true;
        }
        return false;
    });
    CHECK(threw);
}

TEST_CASE("check_limits: the limits are exact and ordinary BER passes")
{
    // Depth: max_nesting_depth constructed levels pass, one more does not.
    bytes ok = {0x05, 0x00}; // NULL
    for (std::size_t i = 0; i < asn1::max_nesting_depth; ++i) {
        bytes outer;
        put_header(outer, 0x30, ok.size());
        outer.insert(outer.end(), ok.begin(), ok.end());
        ok = std::move(outer);
    }
    CHECK_NOTHROW(asn1::check_limits(ok));
    bytes deeper;
    put_header(deeper, 0x30, ok.size());
    deeper.insert(deeper.end(), ok.begin(), ok.end());
    CHECK(limit_error(deeper) == asn1::errc::too_deep);

    // Indefinite lengths: max_indefinite_lengths pass, one more does not.
    auto count = [](std::size_t n) {
        bytes inner;
        for (std::size_t i = 0; i < n; ++i)
            inner.insert(inner.end(), {0x30, 0x80, 0x02, 0x01, 0x07, 0x00, 0x00});
        bytes out = {0x30, 0x80};
        out.insert(out.end(), inner.begin(), inner.end());
        out.insert(out.end(), {0x00, 0x00});
        return out;
    };
    CHECK_NOTHROW(asn1::check_limits(count(asn1::max_indefinite_lengths - 1)));
    CHECK(limit_error(count(asn1::max_indefinite_lengths)) == asn1::errc::too_large);

    // High tag numbers, long-form lengths, EOC inside a definite element.
    CHECK_NOTHROW(asn1::check_limits(bytes{0x5f, 0x81, 0x02, 0x81, 0x01, 0x00}));
    CHECK_NOTHROW(asn1::check_limits(bytes{0x30, 0x04, 0x00, 0x00, 0x05, 0x00}));
    CHECK_NOTHROW(asn1::check_limits(bytes{0x7f, 0x81, 0x02, 0x02, 0x05, 0x00}));
}

TEST_CASE("check_limits: broken structure is malformed")
{
    const std::vector<bytes> broken = {
        {0x30, 0x05, 0x05, 0x00},                   // SEQUENCE longer than the input
        {0x30, 0x02, 0x04, 0x05, 0x00, 0x00, 0x00}, // a child overruns its SEQUENCE
        {0x30, 0x80, 0x05, 0x00},                   // no end-of-contents
        {0x04, 0x80, 0x00, 0x00},                   // indefinite primitive
        {0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, // five length bytes
        {0x1f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00}, // five tag bytes
        {0x1f},                                     // tag without length
        {0x30, 0x82, 0x01},                         // length cut short
        {0x30, 0x03, 0x30, 0x80, 0x00},             // indefinite runs past a definite parent
    };
    for (const auto& input : broken) {
        CAPTURE(input);
        CHECK(limit_error(input) == asn1::errc::malformed);
        const auto sd = cms::parse_signed_data(input);
        REQUIRE_FALSE(sd.has_value());
        CHECK(sd.error() == cms::errc::malformed);
    }
}
