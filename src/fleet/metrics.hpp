// Prometheus metrics of a fleet run, a renew run or a fleet status (issue
// 22), in the text exposition format (version 0.0.4), for node_exporter's
// textfile collector (--metrics-file) or a scrape (--metrics-listen).
//
// Names follow Prometheus's naming guide: the ascep_ prefix, base units
// (seconds), _total on counters. Every series carries the labels given to
// the constructor (dir="..." for a fleet, certificate="..." for renew) and
// source="run" or "status", so that the files of several fleets, and a
// run's file beside its status file, never hold the same series twice.
// Not thread-safe: the fleet run keeps it on its event loop.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ascep::fleet {

/// notAfter of the certificates a fleet holds, as a multiset of unix
/// seconds: soonest first, and counts before a time.
class expiry_book {
public:
    void add(std::int64_t not_after) { ++at_[not_after]; }
    /// Forgets one certificate with that notAfter; none held: no change.
    void remove(std::int64_t not_after);
    std::uint64_t size() const { return size_of(); }
    std::optional<std::int64_t> soonest() const;
    /// Certificates whose notAfter is before `t`.
    std::uint64_t before(std::int64_t t) const;

private:
    std::uint64_t size_of() const;
    std::map<std::int64_t, std::uint64_t> at_;
};

class metrics {
public:
    using labels = std::vector<std::pair<std::string, std::string>>;

    /// `base`: the labels of every series (source, dir or certificate).
    explicit metrics(labels base);

    /// One SCEP exchange of the run: operation "GetCACaps", "GetCACert",
    /// "PKCSReq", "RenewalReq" or "CertPoll"; result "issued", "pending",
    /// "failure" (the CA refused), "error" (no usable answer) or "ok".
    void request(std::string_view operation, std::string_view result, double seconds);
    /// reason "transient" (network, 5xx) or "failure" (--retry-failures).
    void retry(std::string_view reason);
    /// Devices by state (ascep_devices): replaces every state's value.
    void set_devices(std::vector<std::pair<std::string, std::uint64_t>> by_state);
    /// The expiry gauges from `book`, counted from `now` (unix seconds).
    void set_expiry(const expiry_book& book, std::int64_t now);
    /// The same from counts already made (fleet status).
    struct expiry_summary {
        std::uint64_t certificates = 0;
        std::optional<std::int64_t> soonest;
        std::uint64_t within_7d = 0, within_30d = 0, within_90d = 0; ///< relative to `at`
        std::int64_t at = 0;
    };
    void set_expiry(const expiry_summary& s) { expiry_ = s; has_expiry_ = true; }
    void set_last_success(std::optional<std::int64_t> t) { last_success_ = t; }
    void set_run(std::int64_t started, bool in_progress)
    {
        run_started_ = started;
        run_in_progress_ = in_progress;
        has_run_ = true;
    }
    /// fleet status: the longest-pending device's start of waiting.
    void set_pending_oldest(std::optional<std::int64_t> since) { pending_oldest_ = since; has_pending_oldest_ = true; }

    /// The exposition text, `now` (unix seconds) for the "seconds until"
    /// gauge. Families that were never set are left out.
    std::string render(std::int64_t now) const;

    /// Upper bounds of the request-duration histogram, seconds.
    static const std::vector<double>& duration_buckets();

private:
    struct histogram {
        std::vector<std::uint64_t> counts; ///< per bucket, not cumulative
        std::uint64_t count = 0;
        double sum = 0;
    };
    std::string label_text(const labels& extra) const;

    labels base_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> requests_;
    std::map<std::string, histogram> durations_;
    std::map<std::string, std::uint64_t> retries_;
    bool has_requests_ = false;
    std::vector<std::pair<std::string, std::uint64_t>> devices_;
    expiry_summary expiry_;
    bool has_expiry_ = false;
    std::optional<std::int64_t> last_success_;
    std::int64_t run_started_ = 0;
    bool run_in_progress_ = false;
    bool has_run_ = false;
    std::optional<std::int64_t> pending_oldest_;
    bool has_pending_oldest_ = false;
};

/// The ascep_last_success_timestamp_seconds of an earlier metrics file's
/// text (renew keeps it from run to run in the file itself), or nullopt.
std::optional<std::int64_t> last_success_in(std::string_view metrics_text);

/// Writes `text` to `path` as node_exporter's textfile collector wants it:
/// a temporary file in the same directory (named .NAME.XXXXXX, which the
/// collector's *.prom glob never matches), renamed over PATH. Returns why
/// it failed, or an empty string.
std::string write_metrics_file(const std::string& path, const std::string& text);

} // namespace ascep::fleet
