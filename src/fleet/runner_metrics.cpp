// The fleet run's metrics (issue 22): what it counts, the file it rewrites
// every 10 s and at the end, and the --metrics-listen endpoint.
#include "fleet/fleet_run.hpp"

#include "fleet/offload.hpp"
#include "fleet/run_files.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ascep::fleet::detail {

std::int64_t not_after_seconds(const Botan::X509_Certificate& cert)
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               cert.not_after().to_std_timepoint().time_since_epoch())
        .count();
}

void fleet_run::seed_metrics()
{
    // Devices the journal says hold a certificate of known notAfter; each
    // device corrects its entry when it is visited (certificate_changed).
    journal_->replayed().for_each([this](const replayed_device& d) {
        if ((d.state == device_state::issued || d.state == device_state::renewed) && d.not_after != 0)
            expiry_.add(d.not_after);
    });
}

void fleet_run::certificate_changed(std::int64_t held, std::int64_t now_held)
{
    if (held != 0)
        expiry_.remove(held);
    if (now_held != 0)
        expiry_.add(now_held);
}

void fleet_run::count_request(std::string_view operation, const ascep::enroll_result& r, clock::time_point started)
{
    std::string_view result = "error";
    switch (r.status) {
    case ascep::enroll_status::issued: result = "issued"; break;
    case ascep::enroll_status::pending: result = "pending"; break;
    case ascep::enroll_status::rejected: result = "failure"; break;
    case ascep::enroll_status::error: result = "error"; break;
    }
    metrics_.request(operation, result, std::chrono::duration<double>(clock::now() - started).count());
}

void fleet_run::update_metrics()
{
    const auto& c = progress_.counts;
    const std::uint64_t renewed = c.renewed;
    const std::uint64_t issued = c.issued - std::min(c.issued, c.renewed);
    // PENDING at the CA: parked between polls, or finished at the poll limits.
    const std::uint64_t pending = parked_.size() + c.pending;
    const std::uint64_t done = c.issued + c.failed + c.pending + c.interrupted + parked_.size();
    const std::uint64_t left = c.total - std::min<std::uint64_t>(c.total, done);
    metrics_.set_devices({{"issued", issued},
                          {"renewed", renewed},
                          {"pending", pending},
                          {"failed", c.failed},
                          {"interrupted", c.interrupted},
                          {"remaining", left}});
    const auto now = unix_ms() / 1000;
    metrics_.set_expiry(expiry_, now);
    metrics_.set_last_success(last_success_);
    metrics_.set_run(run_started_, !finished_);
}

asio::awaitable<void> fleet_run::metrics_loop()
{
    while (!finished_) {
        metrics_timer_.expires_after(settings_.metrics_every);
        co_await metrics_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (finished_ || settings_.metrics_file.empty() || metrics_writing_)
            continue;
        update_metrics();
        metrics_writing_ = true;
        auto write = [path = settings_.metrics_file, text = metrics_.render(unix_ms() / 1000)] {
            return write_metrics_file(path, text);
        };
        const auto error = co_await async_offload(disk_, std::move(write));
        metrics_writing_ = false;
        if (!error.empty() && settings_.verbose)
            progress_.message("cannot write the metrics file: " + error);
    }
}

std::optional<setup_failure> fleet_run::start_metrics_server()
{
    if (!settings_.metrics_listen)
        return std::nullopt;
    std::string error;
    metrics_server_ = metrics_server::start(
        ioc_, *settings_.metrics_listen,
        [this] {
            update_metrics();
            return metrics_.render(unix_ms() / 1000);
        },
        error);
    if (!metrics_server_)
        return setup_failure{setup_failure::kind::usage, {}, error + "; nothing was sent"};
    if (settings_.verbose)
        progress_.message("metrics at http://" + settings_.metrics_listen->ip + ":" +
                          std::to_string(metrics_server_->port()) + "/metrics");
    return std::nullopt;
}

void fleet_run::finish_metrics_server()
{
    if (!metrics_server_)
        return;
    // A scraper that has been watching gets the final figures: the run ends
    // after its next scrape (or settings_.metrics_linger), not before.
    if (metrics_server_->scrapes() == 0 || signals_seen_ > 1) {
        metrics_server_->stop();
        return;
    }
    metrics_server_->after_next_scrape(settings_.metrics_linger, [this] {
        metrics_server_->stop();
        signals_.cancel();
    });
    // Ctrl-C while lingering ends the wait at once.
    signals_.async_wait([this](const boost::system::error_code& e, int) {
        if (!e)
            metrics_server_->stop();
    });
}

void fleet_run::write_final_metrics()
{
    if (settings_.metrics_file.empty())
        return;
    update_metrics();
    if (auto error = write_metrics_file(settings_.metrics_file, metrics_.render(unix_ms() / 1000)); !error.empty())
        progress_.message("cannot write the metrics file: " + error);
}

} // namespace ascep::fleet::detail
