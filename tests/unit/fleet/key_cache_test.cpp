// fleet::key_cache: what a PENDING device keeps between polls, within a
// byte budget; a device that does not fit is not cached (and reads its
// files at its next poll).
#include "fleet/key_cache.hpp"
#include "cms/software_key.hpp"

#include "test_pki.hpp"

#include <catch2/catch.hpp>

using namespace ascep;
using fleet::cached_key;
using fleet::key_cache;

namespace {

cached_key entry_for(int slot, std::size_t bits)
{
    return {std::make_shared<const cms::software_key>(test::cached_key(slot, bits)),
            std::vector<std::uint8_t>(600, 0x30)};
}

} // namespace

TEST_CASE("key_cache: take hands the entry back once; the estimate grows with the modulus")
{
    key_cache cache;
    const auto e = entry_for(0, 1024);
    CHECK(key_cache::estimate(e) == 5 * 1024 + 32 * 128 + 600);
    CHECK(key_cache::estimate(entry_for(1, 2048)) == 5 * 1024 + 32 * 256 + 600);
    REQUIRE(cache.put("a", e));
    CHECK_FALSE(cache.put("a", e)); // one entry per device
    CHECK(cache.size() == 1);
    CHECK(cache.bytes() == key_cache::estimate(e));
    const auto got = cache.take("a");
    REQUIRE(got);
    CHECK(got->key_ops == e.key_ops);
    CHECK(got->csr == e.csr);
    CHECK_FALSE(cache.take("a"));
    CHECK(cache.size() == 0);
    CHECK(cache.bytes() == 0);
}

TEST_CASE("key_cache: past the budget newcomers are refused, the entries held stay")
{
    const auto e = entry_for(0, 1024);
    key_cache cache(3 * key_cache::estimate(e));
    CHECK(cache.put("a", e));
    CHECK(cache.put("b", e));
    CHECK(cache.put("c", e));
    CHECK_FALSE(cache.put("d", e));
    CHECK(cache.size() == 3);
    CHECK(cache.take("a"));
    CHECK(cache.put("d", e)); // room again
    CHECK(cache.take("b"));
    CHECK(cache.take("c"));
    CHECK(cache.take("d"));
}
