#include "fleet/journal_replay.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace ascep::fleet {
namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1; // lower case too: it would not come back the same
}

/// 32 upper-case hex digits (sscep's transactionID) as 16 bytes.
bool pack_tid(std::string_view tid, std::array<std::uint8_t, 16>& out)
{
    if (tid.size() != 32)
        return false;
    for (std::size_t i = 0; i < 16; ++i) {
        const int hi = hex_value(tid[2 * i]);
        const int lo = hex_value(tid[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

std::string unpack_tid(const std::array<std::uint8_t, 16>& tid)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out(32, '0');
    for (std::size_t i = 0; i < 16; ++i) {
        out[2 * i] = digits[tid[i] >> 4];
        out[2 * i + 1] = digits[tid[i] & 15];
    }
    return out;
}

bool has_not_after(device_state s)
{
    return s == device_state::issued || s == device_state::renewed;
}

bool has_pending_since(device_state s)
{
    return s == device_state::pending || s == device_state::renewal_pending;
}

std::uint32_t clamp_seconds(std::int64_t t)
{
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(t, 0, 0xFFFFFFFF));
}

std::size_t hash_of(std::string_view id)
{
    return std::hash<std::string_view>{}(id);
}

} // namespace

const journal_replay::entry* journal_replay::lookup(std::string_view id) const
{
    if (sealed_) {
        const auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                                         [this](const entry& e, std::string_view k) { return id_of(e) < k; });
        return it != entries_.end() && id_of(*it) == id ? &*it : nullptr;
    }
    if (index_.empty())
        return nullptr;
    const std::size_t mask = index_.size() - 1;
    for (std::size_t slot = hash_of(id) & mask;; slot = (slot + 1) & mask) {
        const auto at = index_[slot];
        if (at == 0)
            return nullptr;
        if (id_of(entries_[at - 1]) == id)
            return &entries_[at - 1];
    }
}

void journal_replay::grow_index()
{
    // Open addressing at most half full: linear probing stays short.
    std::vector<std::uint32_t> bigger(std::max<std::size_t>(64, index_.size() * 2), 0);
    const std::size_t mask = bigger.size() - 1;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        std::size_t slot = hash_of(id_of(entries_[i])) & mask;
        while (bigger[slot] != 0)
            slot = (slot + 1) & mask;
        bigger[slot] = static_cast<std::uint32_t>(i + 1);
    }
    index_.swap(bigger);
}

void journal_replay::apply(const journal_record& r, std::uint32_t line)
{
    if (sealed_)
        throw std::logic_error("journal_replay::apply after seal");
    auto* e = const_cast<entry*>(lookup(r.id));
    if (e == nullptr) {
        if (2 * (entries_.size() + 1) > index_.size())
            grow_index();
        entry fresh;
        fresh.id_at = static_cast<std::uint32_t>(ids_.size());
        fresh.id_size = static_cast<std::uint16_t>(r.id.size());
        ids_ += r.id;
        entries_.push_back(fresh);
        const std::size_t mask = index_.size() - 1;
        std::size_t slot = hash_of(r.id) & mask;
        while (index_[slot] != 0)
            slot = (slot + 1) & mask;
        index_[slot] = static_cast<std::uint32_t>(entries_.size());
        e = &entries_.back();
    }
    e->line = line;
    e->attempts = r.attempts;
    e->time_ms = r.time_ms;
    e->state = static_cast<std::uint8_t>(r.state);
    e->seconds = has_not_after(r.state)       ? clamp_seconds(r.not_after)
                 : has_pending_since(r.state) ? clamp_seconds(r.pending_since)
                                              : 0;
    const bool keep_detail = keeps_detail(r.state) && !r.detail.empty();
    if (r.transaction_id.empty())
        e->form = tid_form::empty;
    else if (pack_tid(r.transaction_id, e->tid))
        e->form = tid_form::packed;
    else
        e->form = tid_form::spilled;
    if (e->form == tid_form::spilled || keep_detail) {
        // A device keeps its spill slot once it has one: a journal of many
        // odd lines for one device does not pile up dead strings.
        if (e->spill == none) {
            e->spill = static_cast<std::uint32_t>(spilled_.size());
            spilled_.emplace_back();
        }
        auto& s = spilled_[e->spill];
        s.transaction_id = e->form == tid_form::spilled ? r.transaction_id : std::string();
        s.detail = keep_detail ? r.detail : std::string();
    } else if (e->spill != none) {
        spilled_[e->spill] = {};
    }
}

void journal_replay::seal()
{
    if (sealed_)
        return;
    sealed_ = true;
    index_ = {};
    std::sort(entries_.begin(), entries_.end(), [this](const entry& a, const entry& b) { return id_of(a) < id_of(b); });
    entries_.shrink_to_fit();
    ids_.shrink_to_fit();
    spilled_.shrink_to_fit();
}

journal_record journal_replay::rebuild(const entry& e) const
{
    journal_record r;
    r.id = std::string(id_of(e));
    r.state = static_cast<device_state>(e.state);
    if (e.form == tid_form::packed)
        r.transaction_id = unpack_tid(e.tid);
    if (e.spill != none) {
        if (e.form == tid_form::spilled)
            r.transaction_id = spilled_[e.spill].transaction_id;
        r.detail = spilled_[e.spill].detail;
    }
    r.attempts = e.attempts;
    r.time_ms = e.time_ms;
    if (has_not_after(r.state))
        r.not_after = e.seconds;
    else if (has_pending_since(r.state))
        r.pending_since = e.seconds;
    return r;
}

replayed_device journal_replay::view(const entry& e) const
{
    replayed_device d;
    d.id = id_of(e);
    d.state = static_cast<device_state>(e.state);
    d.time_ms = e.time_ms;
    if (has_not_after(d.state))
        d.not_after = e.seconds;
    else if (has_pending_since(d.state))
        d.pending_since = e.seconds;
    if (e.spill != none)
        d.detail = spilled_[e.spill].detail;
    return d;
}

std::optional<journal_record> journal_replay::find(std::string_view id) const
{
    const auto* e = lookup(id);
    if (e == nullptr)
        return std::nullopt;
    return rebuild(*e);
}

journal_record journal_replay::at(std::string_view id) const
{
    auto r = find(id);
    if (!r)
        throw std::out_of_range("no journal record for device '" + std::string(id) + "'");
    return std::move(*r);
}

std::vector<journal_record> journal_replay::records() const
{
    std::vector<const entry*> order;
    order.reserve(entries_.size());
    for (const auto& e : entries_)
        order.push_back(&e);
    std::sort(order.begin(), order.end(), [this](const entry* a, const entry* b) { return id_of(*a) < id_of(*b); });
    std::vector<journal_record> out;
    out.reserve(order.size());
    for (const auto* e : order)
        out.push_back(rebuild(*e));
    return out;
}

std::vector<std::uint32_t> journal_replay::last_lines() const
{
    std::vector<std::uint32_t> lines;
    lines.reserve(entries_.size());
    for (const auto& e : entries_)
        lines.push_back(e.line);
    std::sort(lines.begin(), lines.end());
    return lines;
}

void journal_replay::renumber_after_compaction()
{
    const auto old = last_lines();
    for (auto& e : entries_)
        e.line = static_cast<std::uint32_t>(std::lower_bound(old.begin(), old.end(), e.line) - old.begin());
}

std::size_t journal_replay::bytes_held() const
{
    std::size_t n = ids_.capacity() + entries_.capacity() * sizeof(entry) +
                    spilled_.capacity() * sizeof(spilled_strings) + index_.capacity() * sizeof(std::uint32_t);
    for (const auto& s : spilled_) {
        if (s.transaction_id.capacity() > 15)
            n += s.transaction_id.capacity() + 1;
        if (s.detail.capacity() > 15)
            n += s.detail.capacity() + 1;
    }
    return n;
}

} // namespace ascep::fleet
