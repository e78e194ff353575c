// What the operator sees while a fleet runs: counts, a progress line (in
// place on a terminal, plain every few seconds otherwise) and, with --jsonl,
// one JSON object per device event. Runs on the event loop only.
#pragma once

#include "fleet/settings.hpp"

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace ascep::fleet {

struct tally {
    std::size_t total = 0;
    std::size_t issued = 0;       ///< including those issued by earlier runs
    std::size_t already = 0;      ///< of `issued`: skipped, issued before this run
    std::size_t pending = 0;      ///< finished this run still PENDING
    std::size_t failed = 0;
    std::size_t interrupted = 0;  ///< stopped by a signal before an answer
    std::size_t waiting = 0;      ///< now PENDING between polls
    std::size_t issued_now = 0;   ///< issued by this run
    std::size_t renewed = 0;      ///< of `issued_now`: renewals (--renew-within)
};

/// One device event for --jsonl ("issued", "pending", "failed", ...).
struct device_event {
    std::string_view id;
    std::string_view event;
    std::string_view transaction_id;
    std::string_view detail; ///< reason, or serial number for "issued", "skipped", "renewed"
    unsigned messages = 0;
    std::int64_t duration_ms = -1;
    std::string_view old_serial{}; ///< "renewed": the serial of the certificate replaced
    std::string_view not_after{};  ///< "renewed": the new certificate's notAfter (RFC 3339)
};

class progress {
public:
    progress(const fleet_settings& s, std::size_t total);

    tally counts;

    void event(const device_event& e);
    /// Redraws (terminal) or prints (plain, at most every few seconds) the
    /// line; `force` prints the plain line now.
    void tick(bool force = false);
    /// Ends the progress line and prints one summary line.
    void finish(bool interrupted);
    /// A message line that does not break the progress line.
    void message(const std::string& text);

    std::string line() const;

private:
    const fleet_settings& settings_;
    bool tty_ = false;
    bool line_shown_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_plain_{};
};

} // namespace ascep::fleet
