// Which rows of one manifest a run takes when several runs share it
// (`ascep fleet --shard K/N`: a Kubernetes Indexed Job, a Slurm array, GNU
// parallel). The rule depends on the id alone, so it is stable when rows are
// added or reordered, and any tool can compute it:
//
//   shard(id) = (first 8 bytes of SHA-256(id), big-endian unsigned) mod N
//
//   python3 -c 'import hashlib,sys; print(int.from_bytes(hashlib.sha256(sys.argv[1].encode()).digest()[:8], "big") % N)' ID
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ascep::fleet {

/// Shard `index` of `count` (0 <= index < count). The default is the whole
/// manifest.
struct shard_spec {
    std::uint64_t index = 0;
    std::uint64_t count = 1;
    bool whole() const noexcept { return count == 1; }
    friend bool operator==(const shard_spec&, const shard_spec&) = default;
};

/// Largest N accepted by parse_shard: far beyond any job array, small
/// enough that "K/N" is never mistaken for something else.
inline constexpr std::uint64_t max_shard_count = 1'000'000;

/// The first 8 bytes of SHA-256(id) as a big-endian unsigned integer. Also
/// the manifest check's key for finding duplicate ids (a collision of two
/// different ids is resolved by comparing the ids themselves).
std::uint64_t id_key(std::string_view id);

/// Whether a row whose id has `key` (id_key) belongs to `shard`.
inline bool in_shard(std::uint64_t key, shard_spec shard) noexcept
{
    return key % shard.count == shard.index;
}

/// Parses "K/N" (decimal, 0 <= K < N <= max_shard_count). nullopt and `why`
/// (one phrase, without the option's name) otherwise.
std::optional<shard_spec> parse_shard(std::string_view text, std::string& why);

/// "K/N", as parse_shard reads it.
std::string to_string(shard_spec shard);

} // namespace ascep::fleet
