#include "testca/chain_order.hpp"

#include <cstdint>
#include <utility>

namespace ascep::testca {
namespace {

/// A uniform index in [0, bound) from `rng`. The modulo bias of a 32-bit draw
/// is below 1e-9 for the handful of certificates a chain holds.
std::size_t uniform_below(std::size_t bound, Botan::RandomNumberGenerator& rng)
{
    std::uint32_t draw = 0;
    rng.randomize(reinterpret_cast<std::uint8_t*>(&draw), sizeof draw);
    return draw % bound;
}

} // namespace

std::optional<chain_order> parse_chain_order(std::string_view text)
{
    for (const auto order : {chain_order::leaf_first, chain_order::root_first, chain_order::random})
        if (text == name(order))
            return order;
    return std::nullopt;
}

std::string_view name(chain_order order)
{
    switch (order) {
    case chain_order::leaf_first: return "leaf-first";
    case chain_order::root_first: return "root-first";
    case chain_order::random: return "random";
    }
    return "?";
}

std::vector<Botan::X509_Certificate> arrange_chain(const chain_levels& levels, chain_order order,
                                                   Botan::RandomNumberGenerator& rng)
{
    std::vector<Botan::X509_Certificate> out;
    const auto append = [&out](const std::vector<Botan::X509_Certificate>& level) {
        out.insert(out.end(), level.begin(), level.end());
    };
    if (order == chain_order::root_first) {
        for (auto level = levels.rbegin(); level != levels.rend(); ++level)
            append(*level);
        return out;
    }
    for (const auto& level : levels)
        append(level);
    if (order == chain_order::random) {
        // Fisher-Yates with the caller's generator (std::shuffle wants a
        // UniformRandomBitGenerator, which Botan's is not).
        for (std::size_t i = out.size(); i > 1; --i)
            std::swap(out[i - 1], out[uniform_below(i, rng)]);
    }
    return out;
}

} // namespace ascep::testca
