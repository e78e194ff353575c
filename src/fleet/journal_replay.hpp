// What a fleet run keeps of its journal: the last record of each device,
// packed (issue 15: at most 80 bytes a device, where a map of
// journal_record took about 150). Ids sit back to back in one string, a
// transactionID in the sscep form (32 upper-case hex digits) as its 16
// bytes, the state as one byte; `detail` is kept only for failed devices,
// the one state whose detail a run shows again. The journal file keeps
// every field of every line; only this in-memory view is narrower.
#pragma once

#include "fleet/journal_record.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::fleet {

/// A device's last record as replay keeps it, without copies (for_each).
struct replayed_device {
    std::string_view id;
    device_state state = device_state::requested;
    std::int64_t time_ms = 0;
    std::int64_t not_after = 0;     ///< issued, renewed; 0: unknown
    std::int64_t pending_since = 0; ///< pending, renewal_pending; 0: unknown
    std::string_view detail;        ///< failed only
};

class journal_replay {
public:
    /// Whether replay keeps `detail` for a record in state `s` (failed only).
    static bool keeps_detail(device_state s) { return s == device_state::failed; }

    /// Records `r` as its device's last record, read from the journal's
    /// line `line` (0-based). Only before seal().
    void apply(const journal_record& r, std::uint32_t line);
    /// Ends the replay: the lookup index is dropped and the records sorted
    /// by id, so that what remains is the packed records alone.
    void seal();

    /// The device's last record as replayed (detail empty unless
    /// keeps_detail(state)), or nullopt.
    std::optional<journal_record> find(std::string_view id) const;
    bool contains(std::string_view id) const { return lookup(id) != nullptr; }
    /// As find(); throws std::out_of_range for an unknown id.
    journal_record at(std::string_view id) const;
    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    /// Every device's record, by id (tests, the fuzzer, compaction's check).
    std::vector<journal_record> records() const;
    /// Calls `f(const replayed_device&)` for every device, in no stated
    /// order; the views live until `f` returns. For `fleet status` over a
    /// million devices: nothing is copied.
    template <class F>
    void for_each(F&& f) const
    {
        for (const auto& e : entries_)
            f(view(e));
    }
    /// The 0-based line numbers of the devices' last records, ascending.
    std::vector<std::uint32_t> last_lines() const;
    /// Renumbers the last lines after the journal was rewritten to hold only
    /// them, in their order: the k-th of last_lines() is now line k.
    void renumber_after_compaction();
    /// Bytes held (capacity, not size), for the memory measurements.
    std::size_t bytes_held() const;

private:
    static constexpr std::uint32_t none = 0xFFFFFFFF;
    enum class tid_form : std::uint8_t { empty, packed, spilled };
    struct entry {
        std::uint32_t id_at = 0; ///< offset of the id in ids_
        std::uint32_t line = 0;  ///< the journal line of this record
        std::uint32_t attempts = 0;
        std::uint32_t spill = none; ///< index in spilled_ when a string did not pack
        std::int64_t time_ms = 0;
        std::array<std::uint8_t, 16> tid{};
        /// not_after (issued, renewed) or pending_since (pending states), unix
        /// seconds up to 2106 (a later notAfter, RFC 5280's 99991231235959Z,
        /// is kept as the largest value); 0: unknown. One field, so that an
        /// entry stays 48 bytes.
        std::uint32_t seconds = 0;
        std::uint16_t id_size = 0; ///< ids are shorter than a journal line (64 KiB)
        std::uint8_t state = 0;
        tid_form form = tid_form::empty;
    };
    static_assert(sizeof(entry) <= 48, "a replayed device costs 48 bytes plus its id (issue 15)");
    struct spilled_strings {
        std::string transaction_id; ///< when not 32 upper-case hex digits
        std::string detail;         ///< when keeps_detail(state)
    };

    std::string_view id_of(const entry& e) const { return std::string_view(ids_).substr(e.id_at, e.id_size); }
    journal_record rebuild(const entry& e) const;
    replayed_device view(const entry& e) const;
    const entry* lookup(std::string_view id) const;
    void grow_index();

    std::string ids_;
    std::vector<entry> entries_;
    std::vector<spilled_strings> spilled_;
    std::vector<std::uint32_t> index_; ///< open addressing, entry + 1 (0: free); only until seal()
    bool sealed_ = false;
};

} // namespace ascep::fleet
