// The fleet run's private state, shared by the files that implement it:
// runner.cpp (set-up, dispatch, signals, the end of the run),
// device_enrollment.cpp (one device from its key to its certificate) and
// device_renewal.cpp (what is renewal's own: when, with which keys, the swap).
#pragma once

#include "fleet/journal.hpp"
#include "fleet/key_cache.hpp"
#include "fleet/manifest.hpp"
#include "fleet/metrics.hpp"
#include "fleet/metrics_server.hpp"
#include "fleet/poll_queue.hpp"
#include "fleet/progress.hpp"
#include "fleet/renewal_files.hpp"
#include "fleet/report.hpp"
#include "fleet/runner.hpp"
#include "fleet/settings.hpp"

#include "ascep/client.hpp"
#include "ascep/enroll.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <botan/auto_rng.h>
#include <botan/x509cert.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace ascep::fleet::detail {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

std::int64_t unix_ms();
std::int64_t ms_since(clock::time_point t);
/// A certificate's notAfter as unix seconds (journal not_after).
std::int64_t not_after_seconds(const Botan::X509_Certificate& cert);

/// One device being worked on: its cancellation (SIGINT ends its waits) and
/// whether it is now waiting out a backoff rather than talking. A device
/// waiting to poll has no slot: it is parked in the poll_queue.
struct device_slot {
    asio::cancellation_signal cancel;
    bool waiting = false;
};

class fleet_run {
public:
    explicit fleet_run(const fleet_settings& s);
    ~fleet_run();

    fleet_outcome run();

private:
    std::optional<setup_failure> check_inputs();
    std::optional<setup_failure> compact_journal(std::uint64_t devices);
    asio::awaitable<std::optional<setup_failure>> async_setup();
    /// After a failed GetCACaps or GetCACert at the start: false when `e` is
    /// not transient or --retry-for is used up, else waits (backoff) and true.
    asio::awaitable<bool> retry_setup(const std::string& what, const ascep::call_error& e, unsigned step,
                                      clock::time_point started);
    asio::awaitable<void> dispatch();
    std::list<device_slot>::iterator new_slot();
    void launch(std::list<device_slot>::iterator slot, asio::awaitable<void> task);
    asio::awaitable<void> start_device(device d, device_slot& slot);
    asio::awaitable<void> poll_device(parked_device p, device_slot& slot);
    /// One request and its polls. `renewal_of`: a renewal of the certificate
    /// with that serial (device_renewal.cpp); empty: an enrollment.
    asio::awaitable<void> enroll_device(device d, device_progress st, bool resume, bool reuse_csr, std::string tid,
                                        std::vector<std::uint8_t> signer_der, std::string renewal_of,
                                        device_slot& slot);
    // device_renewal.cpp
    /// An issued device in a --renew-within run: renewed when due or when a
    /// renewal is under way (then true, `d` moved from); false: skip it.
    asio::awaitable<bool> maybe_renew(device& d, device_progress& st, const journal_record* prior,
                                      const device_on_disk& disk, device_slot& slot);
    asio::awaitable<device_material> renewal_material(const device& d, const device_paths& paths, bool under_way);
    asio::awaitable<void> install_renewal(const device& d, const std::string& tid, const ascep::enroll_result& r,
                                          const device_progress& st, const std::string& old_serial);
    void renewed(const device& d, const std::string& tid, const std::string& old_serial,
                 const Botan::X509_Certificate& cert, const device_progress& st);
    void fail_device(const device& d, const std::string& tid, const std::string& why, const device_progress& st);
    asio::awaitable<void> tick();
    // metrics (runner_metrics.cpp)
    /// The expiry book from the journal's notAfter records, and the last success.
    void seed_metrics();
    /// The gauges from the run's state now.
    void update_metrics();
    /// Every settings_.metrics_every: update_metrics, and the file written
    /// on the disk pool (a write still running skips a turn).
    asio::awaitable<void> metrics_loop();
    /// Starts --metrics-listen; a setup_failure when it cannot listen.
    std::optional<setup_failure> start_metrics_server();
    /// The run's end: the endpoint waits for one more scrape when it has
    /// been scraped at all, then closes.
    void finish_metrics_server();
    /// The final metrics file, written on the caller's thread.
    void write_final_metrics();
    /// One exchange with the CA for the request-count and duration metrics.
    void count_request(std::string_view operation, const ascep::enroll_result& r, clock::time_point started);
    /// The certificate a device holds changes from `held` (0: none) to `now_held`.
    void certificate_changed(std::int64_t held, std::int64_t now_held);
    asio::awaitable<bool> backoff(device_slot& slot, unsigned step);
    void on_signal(const boost::system::error_code& ec, int signo);
    void stop_waiting(bool everyone);
    void maybe_finish();
    void record(journal_record r);
    void flush_journal();
    void finish_device(const device& d, std::string_view status, const std::string& tid, const std::string& detail,
                       unsigned messages, unsigned retries, clock::time_point started,
                       std::string_view old_serial = {}, std::string_view not_after = {});
    void interrupted(const device& d, const std::string& tid, unsigned messages, const std::string& detail = {});
    /// A write into --out failed with a local fault (io::is_local_fault):
    /// the device is left for the re-run, not journaled as failed, and the
    /// run stops starting devices.
    void local_fault_on_device(const device& d, const std::string& tid, unsigned messages,
                               const std::error_code& code, const std::string& why);
    /// Stops the run as SIGINT does, but lets what is in flight finish:
    /// nothing new starts, no more keys are made, waits end.
    void stop_for_local_fault(const std::error_code& code, const std::string& why);
    std::string local_fault_message() const;

    const fleet_settings& settings_;
    asio::io_context ioc_;
    asio::thread_pool crypto_;
    asio::thread_pool disk_;
    asio::strand<asio::thread_pool::executor_type> journal_strand_;
    asio::steady_timer wake_;
    asio::steady_timer ticker_;
    asio::steady_timer grace_;
    asio::signal_set signals_;
    progress progress_;
    std::mt19937_64 jitter_;
    Botan::AutoSeeded_RNG rng_; // the loop's; worker threads have their own

    std::optional<journal> journal_;
    std::optional<ascep::client> client_;
    std::vector<Botan::X509_Certificate> ca_certs_;
    std::vector<Botan::X509_Certificate> ca_chain_; // issuing CA up to the root: chain.pem when a reply names none
    std::vector<std::string> caps_;

    std::list<device_slot> slots_;
    std::size_t active_ = 0;      // devices with a slot: being worked on
    const std::size_t window_;    // at most this many at once
    poll_queue parked_;           // PENDING, waiting to poll
    key_cache key_cache_;         // their keys, private operations and requests, within a budget
    bool dispatch_done_ = false;
    bool stopping_ = false;
    std::atomic<bool> stop_flag_{false}; // stopping_, for the worker threads
    bool finished_ = false;
    int signals_seen_ = 0;
    std::error_code local_fault_; // the first local fault; set: the run stops
    std::string local_fault_detail_;

    metrics metrics_;
    expiry_book expiry_;
    std::optional<std::int64_t> last_success_;
    std::int64_t run_started_ = 0; // unix seconds
    asio::steady_timer metrics_timer_;
    std::unique_ptr<metrics_server> metrics_server_;
    bool metrics_writing_ = false; // a file write is on the disk pool

    std::mutex journal_mutex_; // guards the three below: the loop and the journal strand share them
    std::vector<journal_record> unsynced_;
    bool flush_posted_ = false;
    std::string journal_error_;
    std::error_code journal_error_code_;
    std::vector<report_entry> report_;
};

} // namespace ascep::fleet::detail
