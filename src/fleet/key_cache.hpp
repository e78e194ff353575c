// What a PENDING device's CertPoll needs of its key, kept between polls:
// the loaded key with its private operation (cms::private_key_ops: the
// blinder Botan 2.19 builds per operation costs more CPU than the
// signature itself) and the request's DER. Without it every poll read
// key.pem and csr.pem again, decoded the PKCS#8 key, checked the request
// against it and built a new private operation (issue 15: 84 % of a core
// for 10,000 devices at -t 60). Bounded by an estimate of the bytes held.
// Over the budget a device is not cached and reads its files at each poll,
// as before. No eviction: devices poll in a cycle, and evicting the least
// recently used would evict exactly the one due next (every poll would
// miss); refusing newcomers keeps a stable set that always hits.
#pragma once

#include "cms/private_key_ops.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ascep::fleet {

struct cached_key {
    std::shared_ptr<const cms::private_key_ops> key_ops;
    std::vector<std::uint8_t> csr; ///< DER
};

/// Not thread-safe: the fleet's event loop alone uses it.
class key_cache {
public:
    /// 144 MiB of estimated bytes: 10,000 RSA-2048 devices (about 11 KiB
    /// each measured, 14 KB estimated) fit, and with the rest of a 10,000
    /// device run (about 30 MiB) stay under the 200 MB the fleet is allowed.
    static constexpr std::size_t default_budget = 144u << 20;

    explicit key_cache(std::size_t budget_bytes = default_budget) : budget_(budget_bytes) {}

    /// Removes the device's entry and returns it, or nullopt: a device
    /// being polled holds its entry itself, and put()s it back when it
    /// parks again.
    std::optional<cached_key> take(const std::string& id);
    /// Stores the device's entry when it fits the budget; false otherwise.
    bool put(const std::string& id, cached_key entry);

    std::size_t size() const { return by_id_.size(); }
    std::size_t bytes() const { return bytes_; }

    /// Estimated bytes an entry holds: Botan's RSA key (n, d, p, q, the CRT
    /// values, Montgomery parameters) with its blinded private operation,
    /// and the request. Measured: 7.5 KiB at 1024 bits (tools/bench/
    /// pending_10k, request included), 10.5 KiB at 2048 (key and operation
    /// alone); estimated above both: 5 KiB + 32 x the modulus length + the
    /// request (9.7 KB and 14 KB).
    static std::size_t estimate(const cached_key& entry);

private:
    std::size_t budget_;
    std::size_t bytes_ = 0;
    std::unordered_map<std::string, cached_key> by_id_;
};

} // namespace ascep::fleet
