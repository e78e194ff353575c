// fleet status: the figures, from one pass over the journal's replay.
#include "fleet/status.hpp"

#include "fleet/device_files.hpp"
#include "fleet/journal.hpp"
#include "fleet/manifest.hpp"
#include "fleet/renewal_files.hpp"
#include "fleet/run_files.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <queue>
#include <sys/stat.h>

namespace ascep::fleet {
namespace {

constexpr std::int64_t day = 86400;

/// The k smallest (key, id) pairs seen, kept in a max-heap: a million
/// devices cost k entries, not a million.
class smallest_k {
public:
    explicit smallest_k(std::size_t k) : k_(k) {}
    void offer(std::int64_t key, std::string_view id)
    {
        if (k_ == 0)
            return;
        if (heap_.size() < k_) {
            heap_.emplace(key, std::string(id));
        } else if (std::pair(key, id) < std::pair<std::int64_t, std::string_view>(heap_.top().first,
                                                                                     heap_.top().second)) {
            heap_.pop();
            heap_.emplace(key, std::string(id));
        }
    }
    /// Ascending.
    std::vector<std::pair<std::int64_t, std::string>> take()
    {
        std::vector<std::pair<std::int64_t, std::string>> out;
        while (!heap_.empty()) {
            out.push_back(heap_.top());
            heap_.pop();
        }
        std::reverse(out.begin(), out.end());
        return out;
    }

private:
    std::size_t k_;
    std::priority_queue<std::pair<std::int64_t, std::string>> heap_;
};

bool holds_old_certificate(device_state s)
{
    // A renewal under way or refused, or an enrollment retried after a
    // failure: cert.pem, if there, is still the device's certificate.
    return s == device_state::renewing || s == device_state::renewal_pending || s == device_state::failed;
}

std::optional<std::int64_t> not_after_of_file(const std::string& path)
{
    const auto cert = read_certificate(path);
    if (!cert)
        return std::nullopt;
    return std::chrono::duration_cast<std::chrono::seconds>(
               cert->not_after().to_std_timepoint().time_since_epoch())
        .count();
}

std::string utc(std::int64_t t, const char* format)
{
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

/// The start of the calendar month after the one holding `t` (UTC).
std::int64_t next_month(std::int64_t t)
{
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    if (++tm.tm_mon == 12) {
        tm.tm_mon = 0;
        ++tm.tm_year;
    }
    return static_cast<std::int64_t>(::timegm(&tm));
}

} // namespace

std::string failure_reason(std::string_view detail)
{
    const auto fi = detail.find("failInfo ");
    if (fi != std::string_view::npos) {
        auto rest = detail.substr(fi);
        const auto end = rest.find_first_of(" (", 9);
        return std::string(rest.substr(0, end));
    }
    const auto paren = detail.find(" (");
    auto reason = detail.substr(0, paren);
    if (reason.empty())
        return "unknown";
    return std::string(reason.substr(0, 200));
}

std::vector<expiry_bucket> expiry_histogram(const std::vector<std::int64_t>& sorted, std::int64_t now,
                                            std::int64_t within, std::string& unit, std::size_t max_bars)
{
    std::vector<expiry_bucket> bars;
    unit.clear();
    if (sorted.empty())
        return bars;
    const auto first_live = std::lower_bound(sorted.begin(), sorted.end(), now);
    if (first_live != sorted.begin())
        bars.push_back({sorted.front(), now, "expired", static_cast<std::uint64_t>(first_live - sorted.begin()), true});
    const std::int64_t last = sorted.back();
    const bool weekly = last - now <= 16 * 7 * day;
    unit = weekly ? "week" : "month";
    if (last < now)
        return bars;
    std::int64_t start = now;
    auto it = first_live;
    while (it != sorted.end()) {
        const bool final_bar = bars.size() + 1 >= max_bars;
        const std::int64_t end =
            final_bar ? std::max(last + 1, start + 1) : weekly ? start + 7 * day : next_month(start);
        const auto stop = std::lower_bound(it, sorted.end(), end);
        expiry_bucket b;
        b.start = start;
        b.end = end;
        b.label = weekly ? utc(start, "%Y-%m-%d") : utc(start, "%Y-%m");
        if (final_bar && end > (weekly ? start + 7 * day : next_month(start)))
            b.label += " and later";
        b.count = static_cast<std::uint64_t>(stop - it);
        b.due = start < now + within;
        bars.push_back(std::move(b));
        it = stop;
        start = end;
    }
    return bars;
}

std::optional<fleet_status> read_fleet_status(const status_request& req, std::string& error)
{
    fleet_status s;
    s.now = req.now;
    s.within = req.within.count();
    journal_replay replay;
    if (!journal::read_only(req.out_dir, replay, s.journal_lines, error))
        return std::nullopt;
    s.devices = replay.size();
    const auto shard = read_shard_file(req.out_dir, error);
    if (!error.empty())
        return std::nullopt;
    if (shard)
        s.shard = to_string(*shard);
    s.last_success = read_last_success(req.out_dir);

    std::vector<std::int64_t> not_after;
    not_after.reserve(replay.size());
    smallest_k due(req.list_limit), waiting(req.list_limit);
    std::map<std::string, failure_group> failures;
    const std::int64_t due_before = req.now + req.within.count();

    replay.for_each([&](const replayed_device& d) {
        std::optional<std::int64_t> expiry;
        switch (d.state) {
        case device_state::issued:
        case device_state::renewed:
            ++(d.state == device_state::issued ? s.issued : s.renewed);
            if (d.not_after != 0) {
                expiry = d.not_after;
            } else {
                ++s.not_after_from_files;
                expiry = not_after_of_file(paths_for(req.out_dir, std::string(d.id)).cert);
                if (!expiry)
                    ++s.unreadable;
            }
            break;
        case device_state::pending:
        case device_state::renewal_pending: {
            ++(d.state == device_state::pending ? s.pending : s.renewal_pending);
            const auto since = d.pending_since != 0 ? d.pending_since : d.time_ms / 1000;
            waiting.offer(since, d.id);
            if (!s.pending_oldest_since || since < *s.pending_oldest_since)
                s.pending_oldest_since = since;
            break;
        }
        case device_state::requested:
        case device_state::renewing: ++s.in_progress; break;
        case device_state::failed: {
            ++s.failed;
            auto& g = failures[failure_reason(d.detail)];
            ++g.count;
            if (g.ids.size() < req.list_limit)
                g.ids.emplace_back(d.id);
            break;
        }
        }
        if (!expiry && holds_old_certificate(d.state)) {
            const auto cert = paths_for(req.out_dir, std::string(d.id)).cert;
            struct stat st{};
            if (::stat(cert.c_str(), &st) == 0) {
                ++s.not_after_from_files;
                expiry = not_after_of_file(cert);
                if (!expiry)
                    ++s.unreadable;
            }
        }
        if (!expiry)
            return;
        not_after.push_back(*expiry);
        if (*expiry < due_before) {
            ++s.due_total;
            due.offer(*expiry, d.id);
        }
    });

    std::sort(not_after.begin(), not_after.end());
    s.certificates = not_after.size();
    if (!not_after.empty()) {
        s.soonest = not_after.front();
        s.latest = not_after.back();
    }
    auto before = [&not_after](std::int64_t t) {
        return static_cast<std::uint64_t>(std::lower_bound(not_after.begin(), not_after.end(), t) - not_after.begin());
    };
    s.expired = before(req.now);
    s.within_7d = before(req.now + 7 * day);
    s.within_30d = before(req.now + 30 * day);
    s.within_90d = before(req.now + 90 * day);
    s.histogram = expiry_histogram(not_after, req.now, req.within.count(), s.bucket_unit);
    for (auto& [t, id] : due.take())
        s.due.push_back({std::move(id), t});
    for (auto& [t, id] : waiting.take()) {
        const auto found = replay.find(id);
        s.pending_longest.push_back({id, t, found && found->state == device_state::renewal_pending});
    }
    for (auto& [reason, g] : failures) {
        g.reason = reason;
        s.failures.push_back(std::move(g));
    }
    std::stable_sort(s.failures.begin(), s.failures.end(),
                     [](const failure_group& a, const failure_group& b) { return a.count > b.count; });

    if (!req.manifest.empty()) {
        manifest_problem problem;
        auto reader = manifest_reader::open(req.manifest, problem);
        if (!reader) {
            error = req.manifest + ": " + problem.message;
            return std::nullopt;
        }
        if (shard)
            reader->only_shard(*shard);
        std::uint64_t rows = 0, missing = 0;
        device d;
        std::optional<manifest_problem> bad;
        for (;;) {
            bad.reset();
            if (!reader->next(d, bad))
                break;
            if (bad) {
                if (bad->line == 0) {
                    error = req.manifest + ": " + bad->message;
                    return std::nullopt;
                }
                continue; // a bad row is the run's to report; status counts the good ones
            }
            ++rows;
            if (!replay.contains(d.id))
                ++missing;
        }
        s.manifest_devices = rows;
        s.not_started = missing;
    }
    return s;
}

} // namespace ascep::fleet
