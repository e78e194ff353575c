// The enrollment state machine (RFC 8894 §3.3.1-3.3.3): PKCSReq or
// RenewalReq, then CertPoll on PENDING until issued, refused or out of
// patience. Sans-I/O: it says what to do next; the engine does it.
#pragma once

#include "scep/caps.hpp"
#include "scep/cert_rep.hpp"

#include <botan/pkix_types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <variant>

namespace ascep::scep {

struct poll_policy {
    std::chrono::seconds interval{300};   // -t, sscep's default
    std::chrono::seconds max_time{28800}; // -T
    unsigned max_count = 256;             // -n
};

struct enroll_params {
    message_type type = message_type::pkcs_req; // or renewal_req
    std::vector<std::uint8_t> csr;               // DER PKCS#10
    Botan::X509_DN subject;                      // the CSR's subject, for CertPoll
    std::shared_ptr<const Botan::Public_Key> csr_key; // the issued certificate must carry it
    /// What signs our messages and opens the replies: the self-signed
    /// certificate of the CSR key, or the old certificate and key on renewal.
    std::shared_ptr<const cms::private_key_ops> signer_key;
    Botan::X509_Certificate signer_cert;
    Botan::X509_Certificate ca_cert;              // its subject names the issuer in CertPoll
    std::vector<Botan::X509_Certificate> recipients;      // encrypt requests to these (CA or RA)
    std::vector<Botan::X509_Certificate> trusted_signers; // replies must be signed by one of these
    /// Every CA/RA certificate: a FAILURE signed by any of them is reported,
    /// and the issued certificate's chain is built from them and the reply's.
    std::vector<Botan::X509_Certificate> ca_certificates;
    algorithm_choice algorithms;
    std::string transaction_id;
    poll_policy polling;
    /// Start by polling (sscep -R): the request was sent by an earlier run.
    bool resume = false;
};

/// Send this pkiMessage as a PKIOperation and feed the reply body back.
struct send_message {
    message_type type;
    std::vector<std::uint8_t> body;
    unsigned attempt; // 1 for the request, 2.. for each CertPoll
};

/// Wait, then feed timer_expired back.
struct wait_for {
    std::chrono::seconds delay;
};

struct enroll_result {
    /// Set when the exchange failed (verification, decoding); status is then meaningless.
    boost::system::error_code error;
    pki_status status = pki_status::failure;
    std::optional<scep::fail_info> fail_info;
    std::optional<std::string> fail_info_text;
    std::optional<Botan::X509_Certificate> certificate;
    /// Our certificate's issuers, nearest first, up to the root, from the
    /// reply and the CA's certificates (scep::issuer_chain).
    std::vector<Botan::X509_Certificate> chain;
    unsigned messages_sent = 0;
};

struct finished {
    enroll_result result;
};

using enroll_action = std::variant<send_message, wait_for, finished>;

struct started {};
struct reply_received {
    std::span<const std::uint8_t> body;
};
struct timer_expired {};
using enroll_event = std::variant<started, reply_received, timer_expired>;

class enroll_fsm {
public:
    /// `rng` must outlive the machine.
    enroll_fsm(enroll_params params, Botan::RandomNumberGenerator& rng);
    /// Shares `params` instead of copying them: thousands of machines waiting
    /// to poll need not each hold their own copy of the request.
    enroll_fsm(std::shared_ptr<const enroll_params> params, Botan::RandomNumberGenerator& rng);

    /// Advances on `event` at time `now` (the engine's wall clock, passed in:
    /// it dates the signingTime attribute and measures the -T poll limit).
    enroll_action resume(const enroll_event& event, std::chrono::system_clock::time_point now);

    const enroll_params& params() const { return *params_; }

private:
    enroll_action send(message_type type, std::vector<std::uint8_t> data, std::chrono::system_clock::time_point now);
    enroll_action on_reply(std::span<const std::uint8_t> body, std::chrono::system_clock::time_point now);
    enroll_action fail(boost::system::error_code ec);

    std::shared_ptr<const enroll_params> params_;
    Botan::RandomNumberGenerator& rng_;
    std::optional<sent_request> in_flight_;
    std::optional<std::chrono::system_clock::time_point> first_sent_;
    unsigned sent_ = 0;
};

} // namespace ascep::scep
