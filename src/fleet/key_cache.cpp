#include "fleet/key_cache.hpp"

#include <botan/rsa.h>

namespace ascep::fleet {

std::size_t key_cache::estimate(const cached_key& entry)
{
    std::size_t modulus = 256;
    if (entry.key_ops)
        if (const auto* rsa = dynamic_cast<const Botan::RSA_PublicKey*>(&entry.key_ops->public_key()))
            modulus = rsa->get_n().bytes();
    return 5 * 1024 + 32 * modulus + entry.csr.size();
}

std::optional<cached_key> key_cache::take(const std::string& id)
{
    const auto it = by_id_.find(id);
    if (it == by_id_.end())
        return std::nullopt;
    auto entry = std::move(it->second);
    by_id_.erase(it);
    bytes_ -= estimate(entry);
    return entry;
}

bool key_cache::put(const std::string& id, cached_key entry)
{
    const auto bytes = estimate(entry);
    if (bytes_ + bytes > budget_ || by_id_.contains(id))
        return false;
    bytes_ += bytes;
    by_id_.emplace(id, std::move(entry));
    return true;
}

} // namespace ascep::fleet
