#include "cms/public_key_cache.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace ascep::cms {
namespace {

// A client talks to one CA (a CA and two RA certificates with NDES); the test
// CA sees one key per requester, each used twice. Small and first-in
// first-out: a server sending many certificates only evicts, never grows it.
constexpr std::size_t capacity = 16;

struct entry {
    std::vector<std::uint8_t> spki;
    std::shared_ptr<const Botan::Public_Key> key;
};

class key_cache {
public:
    std::shared_ptr<const Botan::Public_Key> get(const Botan::X509_Certificate& cert)
    {
        const auto& spki = cert.subject_public_key_info();
        {
            const std::lock_guard lock(mutex_);
            if (auto found = find(spki))
                return found;
        }
        // Load outside the lock: another thread may load the same key at the
        // same time; both results are equal and the second insert is skipped.
        std::shared_ptr<const Botan::Public_Key> key(cert.load_subject_public_key());
        const std::lock_guard lock(mutex_);
        if (auto found = find(spki))
            return found;
        if (entries_.size() == capacity)
            entries_.pop_front();
        entries_.push_back({spki, key});
        return key;
    }

private:
    std::shared_ptr<const Botan::Public_Key> find(const std::vector<std::uint8_t>& spki) const
    {
        const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.spki == spki; });
        return it == entries_.end() ? nullptr : it->key;
    }

    std::mutex mutex_;
    std::deque<entry> entries_;
};

} // namespace

std::shared_ptr<const Botan::Public_Key> public_key_of(const Botan::X509_Certificate& cert)
{
    static key_cache cache; // the one piece of process state in cms: see the header
    return cache.get(cert);
}

} // namespace ascep::cms
