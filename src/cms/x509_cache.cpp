#include "cms/x509_cache.hpp"

#include <botan/x509_key.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace ascep::cms {
namespace {

// A client talks to one CA (a CA and two RA certificates with NDES); the test
// CA sees one requester certificate per request. Small and first-in
// first-out: a server sending many certificates only evicts, never grows it.
constexpr std::size_t capacity = 16;

/// Values of type V keyed by DER bytes. Values are made outside the lock:
/// two threads may make the same one at once; both are equal, one is kept.
template <typename V>
class der_cache {
public:
    template <typename Make>
    V get(const std::vector<std::uint8_t>& key, Make&& make)
    {
        {
            const std::lock_guard lock(mutex_);
            if (auto found = find(key))
                return std::move(*found);
        }
        V value = make();
        const std::lock_guard lock(mutex_);
        if (auto found = find(key))
            return std::move(*found);
        if (entries_.size() == capacity)
            entries_.pop_front();
        entries_.push_back({key, value});
        return value;
    }

private:
    struct entry {
        std::vector<std::uint8_t> key;
        V value;
    };

    std::optional<V> find(const std::vector<std::uint8_t>& key) const
    {
        const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.key == key; });
        return it == entries_.end() ? std::nullopt : std::optional<V>(it->value);
    }

    std::mutex mutex_;
    std::deque<entry> entries_;
};

// The two caches are the only process state in cms: see the header.

der_cache<std::shared_ptr<const Botan::Public_Key>>& key_cache()
{
    static der_cache<std::shared_ptr<const Botan::Public_Key>> keys;
    return keys;
}

} // namespace

std::shared_ptr<const Botan::Public_Key> public_key_of(const Botan::X509_Certificate& cert)
{
    return key_cache().get(cert.subject_public_key_info(), [&] {
        return std::shared_ptr<const Botan::Public_Key>(cert.load_subject_public_key());
    });
}

std::shared_ptr<const Botan::Public_Key> public_key_from_spki(const std::vector<std::uint8_t>& spki)
{
    return key_cache().get(spki, [&] { return std::shared_ptr<const Botan::Public_Key>(Botan::X509::load_key(spki)); });
}

Botan::X509_Certificate certificate_from_der(const std::vector<std::uint8_t>& der)
{
    static der_cache<Botan::X509_Certificate> certificates;
    return certificates.get(der, [&] { return Botan::X509_Certificate(der.data(), der.size()); });
}

} // namespace ascep::cms
