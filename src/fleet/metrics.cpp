#include "fleet/metrics.hpp"

#include "io/durable_file.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ascep::fleet {
namespace {

constexpr std::int64_t day = 86400;

/// A label value as the exposition format wants it: \, " and newline escaped.
std::string escaped(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string number(double v)
{
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    // The shortest text that reads back as v: "0.1", not "0.10000000000000001".
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, ec == std::errc() ? end : buf);
}

std::string number(std::uint64_t v)
{
    return std::to_string(v);
}

std::string number(std::int64_t v)
{
    return std::to_string(v);
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

} // namespace

void expiry_book::remove(std::int64_t not_after)
{
    const auto it = at_.find(not_after);
    if (it == at_.end())
        return;
    if (--it->second == 0)
        at_.erase(it);
}

std::uint64_t expiry_book::size_of() const
{
    std::uint64_t n = 0;
    for (const auto& [t, c] : at_)
        n += c;
    return n;
}

std::optional<std::int64_t> expiry_book::soonest() const
{
    if (at_.empty())
        return std::nullopt;
    return at_.begin()->first;
}

std::uint64_t expiry_book::before(std::int64_t t) const
{
    std::uint64_t n = 0;
    for (auto it = at_.begin(); it != at_.end() && it->first < t; ++it)
        n += it->second;
    return n;
}

metrics::metrics(labels base) : base_(std::move(base)) {}

const std::vector<double>& metrics::duration_buckets()
{
    static const std::vector<double> b{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
    return b;
}

void metrics::request(std::string_view operation, std::string_view result, double seconds)
{
    has_requests_ = true;
    ++requests_[{std::string(operation), std::string(result)}];
    auto& h = durations_[std::string(operation)];
    const auto& bounds = duration_buckets();
    if (h.counts.empty())
        h.counts.assign(bounds.size(), 0);
    for (std::size_t i = 0; i < bounds.size(); ++i)
        if (seconds <= bounds[i]) {
            ++h.counts[i];
            break;
        }
    ++h.count;
    h.sum += seconds;
}

void metrics::retry(std::string_view reason)
{
    has_requests_ = true;
    ++retries_[std::string(reason)];
}

void metrics::set_devices(std::vector<std::pair<std::string, std::uint64_t>> by_state)
{
    devices_ = std::move(by_state);
}

void metrics::set_expiry(const expiry_book& book, std::int64_t now)
{
    expiry_summary s;
    s.at = now;
    s.certificates = book.size();
    s.soonest = book.soonest();
    s.within_7d = book.before(now + 7 * day);
    s.within_30d = book.before(now + 30 * day);
    s.within_90d = book.before(now + 90 * day);
    set_expiry(s);
}

std::string metrics::label_text(const labels& extra) const
{
    std::string out = "{";
    bool first = true;
    for (const auto* set : {&base_, &extra})
        for (const auto& [k, v] : *set) {
            if (!first)
                out += ',';
            first = false;
            out += k;
            out += "=\"";
            out += escaped(v);
            out += '"';
        }
    out += '}';
    return out == "{}" ? std::string() : out;
}

std::string metrics::render(std::int64_t now) const
{
    std::string out;
    auto line = [&](std::string_view name, const labels& extra, const std::string& value) {
        out += name;
        out += label_text(extra);
        out += ' ';
        out += value;
        out += '\n';
    };
    if (!devices_.empty()) {
        family(out, "ascep_devices", "gauge", "Devices by state (run: this run's view; status: the journal's).");
        for (const auto& [state, n] : devices_)
            line("ascep_devices", {{"state", state}}, number(n));
    }
    if (has_pending_oldest_) {
        family(out, "ascep_pending_oldest_timestamp_seconds", "gauge",
               "Since when the device PENDING longest has been waiting (unix time; 0: none pending).");
        line("ascep_pending_oldest_timestamp_seconds", {}, number(pending_oldest_.value_or(0)));
    }
    if (has_requests_) {
        family(out, "ascep_requests_total", "counter", "SCEP requests by operation and result.");
        for (const auto& [key, n] : requests_)
            line("ascep_requests_total", {{"operation", key.first}, {"result", key.second}}, number(n));
        family(out, "ascep_request_duration_seconds", "histogram", "Time from a request's start to its answer.");
        const auto& bounds = duration_buckets();
        for (const auto& [op, h] : durations_) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < bounds.size(); ++i) {
                cumulative += h.counts[i];
                line("ascep_request_duration_seconds_bucket", {{"operation", op}, {"le", number(bounds[i])}},
                     number(cumulative));
            }
            line("ascep_request_duration_seconds_bucket", {{"operation", op}, {"le", "+Inf"}}, number(h.count));
            line("ascep_request_duration_seconds_sum", {{"operation", op}}, number(h.sum));
            line("ascep_request_duration_seconds_count", {{"operation", op}}, number(h.count));
        }
        family(out, "ascep_retries_total", "counter", "Requests sent again after a transient error or a FAILURE.");
        for (const char* reason : {"transient", "failure"}) {
            const auto it = retries_.find(reason);
            line("ascep_retries_total", {{"reason", reason}}, number(it == retries_.end() ? 0 : it->second));
        }
    }
    if (has_expiry_) {
        family(out, "ascep_certificates", "gauge", "Certificates held whose notAfter is known.");
        line("ascep_certificates", {}, number(expiry_.certificates));
        family(out, "ascep_certificates_expiring", "gauge",
               "Certificates whose notAfter is within the given number of days (expired ones included).");
        const std::pair<int, std::uint64_t> windows[] = {
            {7, expiry_.within_7d}, {30, expiry_.within_30d}, {90, expiry_.within_90d}};
        for (const auto& [days, n] : windows)
            line("ascep_certificates_expiring", {{"within_days", std::to_string(days)}}, number(n));
        if (expiry_.soonest) {
            family(out, "ascep_certificate_soonest_expiry_timestamp_seconds", "gauge",
                   "The soonest notAfter of the certificates held (unix time).");
            line("ascep_certificate_soonest_expiry_timestamp_seconds", {}, number(*expiry_.soonest));
            family(out, "ascep_certificate_soonest_expiry_seconds", "gauge",
                   "Seconds from the time of writing until the soonest notAfter (negative: expired).");
            line("ascep_certificate_soonest_expiry_seconds", {}, number(*expiry_.soonest - now));
        }
    }
    if (has_run_) {
        family(out, "ascep_run_start_timestamp_seconds", "gauge", "When the run began (unix time).");
        line("ascep_run_start_timestamp_seconds", {}, number(run_started_));
        family(out, "ascep_run_in_progress", "gauge", "1 while the run goes on, 0 once it has ended.");
        line("ascep_run_in_progress", {}, run_in_progress_ ? "1" : "0");
    }
    family(out, "ascep_last_success_timestamp_seconds", "gauge",
           "End of the last run that left no device failed (unix time; 0: none recorded).");
    line("ascep_last_success_timestamp_seconds", {}, number(last_success_.value_or(0)));
    family(out, "ascep_metrics_timestamp_seconds", "gauge", "When these figures were taken (unix time).");
    line("ascep_metrics_timestamp_seconds", {}, number(now));
    return out;
}

std::optional<std::int64_t> last_success_in(std::string_view text)
{
    constexpr std::string_view name = "ascep_last_success_timestamp_seconds";
    for (std::size_t at = 0; at < text.size();) {
        auto end = text.find('\n', at);
        if (end == std::string_view::npos)
            end = text.size();
        const auto line = text.substr(at, end - at);
        at = end + 1;
        if (!line.starts_with(name) || (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' '))
            continue;
        const auto space = line.rfind(' ');
        if (space == std::string_view::npos)
            continue;
        const auto value = line.substr(space + 1);
        std::int64_t t = 0;
        const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
        if (ec == std::errc() && p == value.data() + value.size() && t > 0)
            return t;
    }
    return std::nullopt;
}

std::string write_metrics_file(const std::string& path, const std::string& text)
{
    // Durable is more than the collector needs, but the same helper keeps
    // the rename atomic and leaves nothing behind on failure.
    return io::write_file_atomic(path, text, 0644);
}

} // namespace ascep::fleet
