#include "fleet/shard.hpp"

#include <botan/hash.h>

#include <array>
#include <charconv>
#include <memory>

namespace ascep::fleet {

std::uint64_t id_key(std::string_view id)
{
    // One hash object per thread: a million rows must not mean a million
    // lookups and allocations in Botan's registry.
    thread_local const std::unique_ptr<Botan::HashFunction> sha256 = Botan::HashFunction::create_or_throw("SHA-256");
    std::array<std::uint8_t, 32> digest{};
    sha256->update(reinterpret_cast<const std::uint8_t*>(id.data()), id.size());
    sha256->final(digest.data());
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < 8; ++i)
        key = (key << 8) | digest[i];
    return key;
}

namespace {

bool parse_number(std::string_view text, std::uint64_t& out)
{
    if (text.empty() || text.size() > 19)
        return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

} // namespace

std::optional<shard_spec> parse_shard(std::string_view text, std::string& why)
{
    const auto slash = text.find('/');
    shard_spec s;
    if (slash == std::string_view::npos || !parse_number(text.substr(0, slash), s.index) ||
        !parse_number(text.substr(slash + 1), s.count)) {
        why = "'" + std::string(text) + "' is not K/N (shard K of N, e.g. 0/4)";
        return std::nullopt;
    }
    if (s.count == 0 || s.count > max_shard_count) {
        why = "'" + std::string(text) + "': N must be 1.." + std::to_string(max_shard_count);
        return std::nullopt;
    }
    if (s.index >= s.count) {
        why = "'" + std::string(text) + "': K must be 0.." + std::to_string(s.count - 1) + " (shards count from 0)";
        return std::nullopt;
    }
    return s;
}

std::string to_string(shard_spec shard)
{
    return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

} // namespace ascep::fleet
