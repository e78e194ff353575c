// Faults on purpose (--faults LIST, --seed N): what a misbehaving CA does to
// a request, drawn per request with a seeded generator so that a run can be
// repeated. No I/O here: the server (transport faults) and the service
// (SCEP faults) ask this plan what to do and do it themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::testca {

enum class fault_kind {
    // transport: what the HTTP server does
    delay,                // wait `duration` before answering
    http500,              // 500, the request not processed
    http503,              // 503 with Retry-After: `count` seconds, the request not processed
    close_before,         // the request processed, the connection closed before any reply byte
    close_mid,            // the request processed, the connection closed in the middle of the header
    truncate,             // the request processed, the header and half the body sent, then closed
    content_type,         // the reply with Content-Type text/html
    trickle,              // the reply sent one byte at a time over `duration`
    // SCEP: what the service answers
    pending_then_failure, // a new enrollment PENDING for `count` more polls, then FAILURE
    bad_signature,        // a CertRep signed by a stranger's key
    wrong_nonce,          // a CertRep whose recipientNonce is not the request's senderNonce
    wrong_transaction_id, // a CertRep with another transactionID
    wrong_key,            // a SUCCESS carrying a certificate for another public key
    wrong_recipient,      // a SUCCESS whose envelope is encrypted to a stranger
    no_ra,                // GetCACert without the RA certificates (with --ra)
};

/// "delay", "http503", ... as written in --faults.
std::string_view name(fault_kind k);
/// Whether the server (true) or the service (false) applies it.
bool is_transport_fault(fault_kind k);

struct fault_spec {
    fault_kind kind = fault_kind::delay;
    /// Probability per request that it applies, 0 < p <= 1.
    double probability = 1.0;
    /// delay, trickle: how long.
    std::chrono::milliseconds duration{0};
    /// http503: Retry-After seconds; pending-then-failure: polls answered PENDING.
    unsigned count = 0;
};

/// Parses LIST: comma-separated NAME[=VALUE][@P]. Throws std::invalid_argument
/// with a message that names the item and says what is wanted.
std::vector<fault_spec> parse_fault_list(std::string_view list);

/// The list as it would be written again (for the start line and events).
std::string to_string(const std::vector<fault_spec>& faults);

/// Which faults hit one request, drawn in list order. One plan per CA
/// (profile); requests are served on one thread, so draws happen in the
/// order requests arrive and a seed repeats a run with the same traffic.
class fault_plan {
public:
    fault_plan() = default;
    fault_plan(std::vector<fault_spec> faults, std::uint64_t seed);

    bool empty() const { return faults_.empty(); }
    const std::vector<fault_spec>& faults() const { return faults_; }
    bool lists(fault_kind k) const;

    /// Draws every listed fault whose kind `applies` says yes to, each with
    /// its own probability, and returns those that hit, in list order.
    template <class Pred>
    std::vector<fault_spec> draw(Pred applies)
    {
        std::vector<fault_spec> hit;
        for (const auto& f : faults_) {
            if (!applies(f.kind))
                continue;
            if (f.probability >= 1.0 || std::uniform_real_distribution<double>(0.0, 1.0)(gen_) < f.probability)
                hit.push_back(f);
        }
        return hit;
    }

private:
    std::vector<fault_spec> faults_;
    std::mt19937_64 gen_;
};

/// What a request's transport faults come to, when several hit at once: a
/// delay adds to anything; of the others the first in the list wins.
struct transport_faults {
    std::optional<std::chrono::milliseconds> delay;
    std::optional<fault_spec> reply; ///< http500 ... trickle
    /// "delay,http503": the names of what applies, for the event log.
    std::string names() const;
    /// http500 and http503 answer without processing the request.
    bool skips_request() const;
};
transport_faults combine_transport(const std::vector<fault_spec>& hit);

} // namespace ascep::testca
