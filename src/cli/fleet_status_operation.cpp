// fleet status: the command line's face of fleet::read_fleet_status. Reads
// DIR, contacts nothing, writes nothing but --metrics-file.
#include "cli/local_operations.hpp"

#include "fleet/metrics.hpp"
#include "fleet/status.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <unistd.h>

namespace ascep::cli {
namespace {

/// The status as Prometheus gauges: the journal's view of the devices and
/// of the certificates' expiry (source="status").
std::string status_metrics(const fleet::fleet_status& s, const std::string& dir)
{
    fleet::metrics m({{"source", "status"}, {"dir", dir}});
    std::vector<std::pair<std::string, std::uint64_t>> states{{"issued", s.issued},
                                                              {"renewed", s.renewed},
                                                              {"pending", s.pending},
                                                              {"renewal_pending", s.renewal_pending},
                                                              {"in_progress", s.in_progress},
                                                              {"failed", s.failed}};
    if (s.not_started)
        states.emplace_back("not_started", *s.not_started);
    m.set_devices(std::move(states));
    m.set_pending_oldest(s.pending_oldest_since);
    fleet::metrics::expiry_summary e;
    e.at = s.now;
    e.certificates = s.certificates;
    e.soonest = s.soonest;
    e.within_7d = s.within_7d;
    e.within_30d = s.within_30d;
    e.within_90d = s.within_90d;
    m.set_expiry(e);
    m.set_last_success(s.last_success);
    return m.render(s.now);
}

} // namespace

int run_fleet_status(const options& opts, reporter& out)
{
    fleet::status_request req;
    req.out_dir = opts.out;
    req.manifest = opts.manifest;
    req.within = *opts.renew_within;
    req.now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
    std::string error;
    const auto status = fleet::read_fleet_status(req, error);
    if (!status)
        return out.finish(file_failure(error));
    if (!opts.metrics_file.empty()) {
        if (auto why = fleet::write_metrics_file(opts.metrics_file, status_metrics(*status, opts.out)); !why.empty())
            return out.finish(file_failure("cannot write the metrics file: " + why));
    }
    if (opts.json) {
        const auto figures = fleet::status_json(*status);
        for (const auto& kv : figures)
            out.json()[kv.key()] = kv.value();
        return out.finish(0);
    }
    // Colour for a person at a terminal, never in a pipe or a file.
    const bool colour = ::isatty(::fileno(stdout)) == 1 && std::getenv("NO_COLOR") == nullptr;
    const auto text = fleet::format_status_text(*status, colour);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return out.finish(0);
}

} // namespace ascep::cli
