// fleet status as text (colour on a terminal only) and as JSON: the same
// figures, from one fleet_status.
#include "fleet/status.hpp"

#include "io/duration.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <ctime>

namespace ascep::fleet {
namespace {

std::string utc_text(std::int64_t t)
{
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// "in 29d 23h" / "2d 1h ago".
std::string relative(std::int64_t t, std::int64_t now)
{
    if (t >= now)
        return "in " + io::describe_duration(std::chrono::seconds(t - now));
    return io::describe_duration(std::chrono::seconds(now - t)) + " ago";
}

struct painter {
    bool on;
    std::string operator()(std::string_view code, const std::string& text) const
    {
        if (!on)
            return text;
        return "\x1b[" + std::string(code) + "m" + text + "\x1b[0m";
    }
};

constexpr std::string_view red = "31", yellow = "33", green = "32", bold = "1";

std::string pad(std::string text, std::size_t width)
{
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text;
}

std::string count_line(const std::string& label, std::uint64_t n, const std::string& extra = {})
{
    return "  " + pad(label, 18) + std::to_string(n) + extra + "\n";
}

} // namespace

std::string format_status_text(const fleet_status& s, bool colour)
{
    const painter paint{colour};
    std::string out;
    out += paint(bold, "fleet status") + " at " + utc_text(s.now) + ": " + std::to_string(s.devices) +
           " devices in the journal (" + std::to_string(s.journal_lines) + " lines)";
    if (!s.shard.empty())
        out += ", shard " + s.shard;
    out += "\n";
    out += "  last successful run: " +
           (s.last_success ? utc_text(*s.last_success) + " (" + relative(*s.last_success, s.now) + ")"
                           : std::string("none recorded")) +
           "\n\n";

    out += paint(bold, "devices") + "\n";
    out += count_line("issued", s.issued);
    out += count_line("renewed", s.renewed);
    std::string since;
    if (s.pending_oldest_since)
        since = " (the longest since " + utc_text(*s.pending_oldest_since) + ", " +
                relative(*s.pending_oldest_since, s.now) + ")";
    const std::string pending_text = std::to_string(s.pending + s.renewal_pending);
    out += "  " + pad("pending", 18) + (s.pending + s.renewal_pending != 0 ? paint(yellow, pending_text) : pending_text) +
           (s.renewal_pending != 0 ? " (" + std::to_string(s.renewal_pending) + " renewals)" : std::string()) + since +
           "\n";
    out += count_line("in progress", s.in_progress);
    const std::string failed_text = std::to_string(s.failed);
    out += "  " + pad("failed", 18) + (s.failed != 0 ? paint(red, failed_text) : failed_text) + "\n";
    if (s.not_started)
        out += count_line("not started", *s.not_started,
                          " (of " + std::to_string(*s.manifest_devices) + " devices in the manifest" +
                              (s.shard.empty() ? std::string() : "'s shard " + s.shard) + ")");
    out += "\n";

    out += paint(bold, "certificates") + " " + std::to_string(s.certificates);
    if (s.soonest)
        out += ", the soonest expires " + utc_text(*s.soonest) + " (" + relative(*s.soonest, s.now) + "), the last " +
               utc_text(*s.latest);
    out += "\n";
    if (s.not_after_from_files != 0)
        out += "  (" + std::to_string(s.not_after_from_files) +
               " notAfter read from cert.pem: the journal predates notAfter records; the next fleet run adds them)\n";
    if (s.unreadable != 0)
        out += "  " + paint(red, std::to_string(s.unreadable) + " cert.pem files could not be read") + "\n";
    const auto expired_text = std::to_string(s.expired);
    out += "  " + pad("expired", 18) + (s.expired != 0 ? paint(red, expired_text) : expired_text) + "\n";
    out += count_line("within 7 days", s.within_7d);
    out += count_line("within 30 days", s.within_30d);
    out += count_line("within 90 days", s.within_90d);
    out += "\n";

    if (!s.histogram.empty()) {
        out += paint(bold, "expiry by " + s.bucket_unit) + " (" + paint(yellow, "*") + " due: within " +
               io::describe_duration(std::chrono::seconds(s.within)) + ")\n";
        std::uint64_t most = 1;
        std::size_t label_width = 0;
        for (const auto& b : s.histogram) {
            most = std::max(most, b.count);
            label_width = std::max(label_width, b.label.size());
        }
        const std::string block = colour ? "\u2588" : "#";
        for (const auto& b : s.histogram) {
            const auto width = b.count == 0 ? 0 : std::max<std::uint64_t>(1, b.count * 50 / most);
            std::string bar;
            for (std::uint64_t i = 0; i < width; ++i)
                bar += block;
            const auto tone = b.label == "expired" ? red : b.due ? yellow : green;
            out += "  " + pad(b.label, label_width) + (b.due ? " *" : "  ") + " " + paint(tone, bar) +
                   (width != 0 ? " " : "") + std::to_string(b.count) + "\n";
        }
        out += "\n";
    }

    out += paint(bold, "due within " + io::describe_duration(std::chrono::seconds(s.within))) + ": " +
           std::to_string(s.due_total) + " devices" + (s.due_total != 0 ? ", soonest first" : "") + "\n";
    for (const auto& d : s.due)
        out += "  " + pad(d.id, 24) + " " + utc_text(d.not_after) + "  " +
               paint(d.not_after < s.now ? red : yellow, relative(d.not_after, s.now)) + "\n";
    if (s.due_total > s.due.size())
        out += "  ... and " + std::to_string(s.due_total - s.due.size()) + " more\n";

    if (!s.pending_longest.empty()) {
        out += "\n" + paint(bold, "pending longest") + "\n";
        for (const auto& p : s.pending_longest)
            out += "  " + pad(p.id, 24) + " since " + utc_text(p.since) + "  " +
                   paint(yellow, io::describe_duration(std::chrono::seconds(std::max<std::int64_t>(0, s.now - p.since)))) +
                   (p.renewal ? "  (renewal)" : "") + "\n";
        const auto all = s.pending + s.renewal_pending;
        if (all > s.pending_longest.size())
            out += "  ... and " + std::to_string(all - s.pending_longest.size()) + " more\n";
    }
    if (!s.failures.empty()) {
        out += "\n" + paint(bold, "failures by reason") + "\n";
        for (const auto& g : s.failures) {
            out += "  " + paint(red, std::to_string(g.count)) + "  " + g.reason + ": ";
            for (std::size_t i = 0; i < g.ids.size(); ++i)
                out += (i == 0 ? "" : ", ") + g.ids[i];
            if (g.count > g.ids.size())
                out += ", ...";
            out += "\n";
        }
    }
    return out;
}

boost::json::object status_json(const fleet_status& s)
{
    namespace json = boost::json;
    json::object o;
    o["now"] = s.now;
    o["within_seconds"] = s.within;
    o["journal_lines"] = s.journal_lines;
    o["shard"] = s.shard.empty() ? json::value(nullptr) : json::value(s.shard);
    o["last_success"] = s.last_success ? json::value(*s.last_success) : json::value(nullptr);
    json::object devices;
    devices["total"] = s.devices;
    devices["issued"] = s.issued;
    devices["renewed"] = s.renewed;
    devices["pending"] = s.pending;
    devices["renewal_pending"] = s.renewal_pending;
    devices["in_progress"] = s.in_progress;
    devices["failed"] = s.failed;
    devices["not_started"] = s.not_started ? json::value(*s.not_started) : json::value(nullptr);
    devices["manifest"] = s.manifest_devices ? json::value(*s.manifest_devices) : json::value(nullptr);
    o["devices"] = std::move(devices);

    json::object certs;
    certs["total"] = s.certificates;
    certs["not_after_from_files"] = s.not_after_from_files;
    certs["unreadable"] = s.unreadable;
    certs["soonest_not_after"] = s.soonest ? json::value(*s.soonest) : json::value(nullptr);
    certs["latest_not_after"] = s.latest ? json::value(*s.latest) : json::value(nullptr);
    certs["expired"] = s.expired;
    certs["within_7d"] = s.within_7d;
    certs["within_30d"] = s.within_30d;
    certs["within_90d"] = s.within_90d;
    o["certificates"] = std::move(certs);

    json::object histogram;
    histogram["unit"] = s.bucket_unit;
    json::array bars;
    for (const auto& b : s.histogram)
        bars.push_back(json::object{{"label", b.label}, {"start", b.start}, {"end", b.end}, {"count", b.count},
                                    {"due", b.due}});
    histogram["buckets"] = std::move(bars);
    o["expiry_histogram"] = std::move(histogram);

    json::object due;
    due["total"] = s.due_total;
    json::array due_list;
    for (const auto& d : s.due)
        due_list.push_back(json::object{{"id", d.id}, {"not_after", d.not_after}});
    due["devices"] = std::move(due_list);
    o["due"] = std::move(due);

    json::object pending;
    pending["oldest_since"] = s.pending_oldest_since ? json::value(*s.pending_oldest_since) : json::value(nullptr);
    json::array longest;
    for (const auto& p : s.pending_longest)
        longest.push_back(json::object{{"id", p.id}, {"since", p.since}, {"renewal", p.renewal}});
    pending["longest"] = std::move(longest);
    o["pending"] = std::move(pending);

    json::array failures;
    for (const auto& g : s.failures) {
        json::array ids;
        for (const auto& id : g.ids)
            ids.push_back(json::value(id));
        failures.push_back(json::object{{"reason", g.reason}, {"count", g.count}, {"ids", std::move(ids)}});
    }
    o["failures"] = std::move(failures);
    return o;
}

} // namespace ascep::fleet
