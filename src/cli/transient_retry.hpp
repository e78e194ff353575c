// --retry-for in the one-shot commands that make a transaction (enroll,
// renew): a 5xx, a dropped, cut or mislabelled reply, a timeout is asked
// again within one run, as the fleet does for each device, instead of
// leaving a provisioning script to run the command again.
#pragma once

#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace ascep::cli {

class session;

/// Default --retry-for of enroll and renew: long enough for a CA's restart
/// or a burst of 503s, short enough that a script that waits on it notices.
inline constexpr std::chrono::seconds default_one_shot_retry_for{60};

/// One run's retry budget. After a failed request, again() waits (1, 2, 4,
/// 8, then 15 s between attempts) and says to send it again while that wait
/// ends within --retry-for of the first failure since the CA last answered
/// well. Sending the same request again is safe: a PKCSReq or RenewalReq
/// sent again is the same transaction (same transactionID), which a CA
/// answers with the certificate it already issued, never a second one.
///
/// With the default --retry-for, a CA that was never reached in this run
/// (its name does not resolve, nothing accepts the connection) is not
/// waited for: a mistyped URL fails at once, as with sscep, whose -W is for
/// a CA that is not up yet. An explicit --retry-for waits for it too.
class transient_retry {
public:
    explicit transient_retry(session& s);

    /// After a failed attempt at `what` ("GetCACaps", "PKCSReq"): true when
    /// the error is transient, the budget allows, and the wait is over (a
    /// warning line says so). False: the failure stands.
    bool again(const std::string& what, const boost::system::error_code& ec, const std::string& text,
               bool transient);

    /// After an attempt the CA answered (whatever the SCEP answer): a later
    /// failure starts a new --retry-for window.
    void answered();

    /// Attempts made again so far in this run (--json "retries").
    unsigned retries() const { return retries_; }

private:
    session& s_;
    std::chrono::seconds budget_;
    bool explicit_budget_;
    bool ever_reached_ = false;
    std::optional<std::chrono::steady_clock::time_point> failing_since_;
    unsigned step_ = 0;
    unsigned retries_ = 0;
};

} // namespace ascep::cli
