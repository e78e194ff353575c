// Devices the CA answered PENDING, between two polls. A waiting device is a
// small record here (its manifest row, transactionID, signer certificate and
// counters), not a coroutine holding a key and a plan: 10,000 of them must
// fit in a few MB (tools/bench/pending_10k). When its poll is due the runner
// takes it out, reloads key.pem and csr.pem and sends one CertPoll.
#pragma once

#include "fleet/manifest.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ascep::fleet {

using steady_clock = std::chrono::steady_clock;

/// Where a device stands within this run, carried from one message to the
/// next: what the poll limits (-n, -T), the retry budgets and the report need.
struct device_progress {
    steady_clock::time_point started; ///< first worked on in this run
    unsigned messages = 0;            ///< pkiMessages sent in this run (for the report)
    /// The current request: pkiMessages sent for it in this run (-n counts
    /// them) and when the first of them left (-T counts from there). A fresh
    /// PKCSReq after a FAILURE starts both again.
    unsigned request_messages = 0;
    std::optional<steady_clock::time_point> first_sent;
    unsigned retries = 0;        ///< retries made (transient errors and FAILUREs)
    unsigned transient_left = 0; ///< --retries budget left
    /// The first transient error since the device last heard from the CA
    /// (--retry-for counts from here), and the retries made since then
    /// (the backoff's step).
    std::optional<steady_clock::time_point> outage_since;
    unsigned outage_retries = 0;
    unsigned failures_left = 0;  ///< --retry-failures budget left
    bool told_pending = false;   ///< the journal and --jsonl have heard "pending"
    /// Since when the CA has kept this request PENDING (unix seconds),
    /// across runs (journal pending_since); 0: not PENDING yet.
    std::int64_t pending_since = 0;
    /// notAfter of the certificate the device holds now (unix seconds; 0:
    /// none): what the run's expiry metrics forget when a renewal replaces it.
    std::int64_t held_not_after = 0;
};

struct parked_device {
    device row;
    std::string transaction_id;
    std::vector<std::uint8_t> signer; ///< DER of the certificate the request was signed with
    device_progress progress;
    std::string renewal_of{}; ///< a renewal: the serial of the certificate it replaces; empty: an enrollment
};

/// When to poll again after a PENDING, or nullopt when the limits are reached
/// (sscep's rules: -n counts the request too, so -n 1 never polls; the last
/// wait is cut short to end at -T).
std::optional<std::chrono::seconds> next_poll_in(const device_progress& p, std::chrono::seconds interval,
                                                 std::chrono::seconds max_time, unsigned max_count,
                                                 steady_clock::time_point now);

/// Parked devices by due time; equal times keep their order.
class poll_queue {
public:
    void park(steady_clock::time_point due, parked_device d);
    /// The earliest due time, if any device is parked.
    std::optional<steady_clock::time_point> next_due() const;
    /// The device due first, if it is due at `now`.
    std::optional<parked_device> take_due(steady_clock::time_point now);
    /// Every parked device, in due order (on shutdown).
    std::vector<parked_device> take_all();
    std::size_t size() const { return by_due_.size(); }
    bool empty() const { return by_due_.empty(); }

private:
    std::multimap<steady_clock::time_point, parked_device> by_due_;
};

} // namespace ascep::fleet
