// The test CA's request handling, socket-free: an HTTP request (method,
// target, body) in, an HTTP reply out. server.cpp feeds it from Beast; the
// unit tests call it directly. The SCEP work sits on scep::check_request and
// scep::make_cert_rep, the same code the client uses the other way round.
#pragma once

#include "scep/cert_rep.hpp"
#include "testca/authority.hpp"
#include "testca/chain_order.hpp"
#include "testca/faults.hpp"
#include "testca/policy.hpp"
#include "testca/state_store.hpp"

#include <botan/rng.h>

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::testca {

/// GetCACaps as the test CA answers it unless --caps says otherwise.
std::vector<std::string> default_caps();

/// --caps: comma- or whitespace-separated keywords.
std::vector<std::string> parse_caps_list(std::string_view list);

struct service_options {
    policy rules;
    std::vector<std::string> caps = default_caps();
    /// --validity: lifetime of issued certificates.
    std::chrono::seconds validity = std::chrono::hours(24 * 365);
    /// --chain-order: how GetCACert and GetNextCACert list a chain.
    chain_order order = chain_order::leaf_first;
    /// --crash-after-issue N, a testing aid (0: never): once the N-th
    /// certificate this process issues is durable in the state directory,
    /// and before its reply is sent, `crash` is called with a line for the
    /// log. Without `crash` the CA logs that line and exits at once with
    /// crash_exit_code, as a CA whose host dies at that moment.
    unsigned crash_after_issue = 0;
    std::function<void(const std::string& line)> crash = nullptr;
    /// --faults, drawn with --seed: the SCEP faults are applied here, the
    /// transport faults by the server (through faults()).
    std::vector<fault_spec> faults{};
    std::uint64_t fault_seed = 0;
};

/// The exit status of ascep-testca after --crash-after-issue.
inline constexpr int crash_exit_code = 86;

struct http_reply {
    http_reply() = default;
    http_reply(unsigned s, std::string type, std::vector<std::uint8_t> b, std::string l)
        : status(s), content_type(std::move(type)), body(std::move(b)), log(std::move(l))
    {
    }

    unsigned status = 200;
    std::string content_type = "text/plain";
    std::vector<std::uint8_t> body;
    /// One line for the log: operation, transactionID, result.
    std::string log;
    // What the event log records (event_log.hpp); set as far as known.
    std::string operation;
    std::string message_type;
    std::string transaction_id;
    std::string signer;
    /// The SCEP fault applied to this reply, if any.
    std::string fault;
    /// The result without the operation: "SUCCESS serial=1A (auto-approved)".
    std::string result;
};

/// The value of `name` in a query string, percent-decoded; nullopt when absent.
/// '+' is kept as '+' (base64 needs it; RFC 3986 gives it no meaning).
std::optional<std::string> query_parameter(std::string_view query, std::string_view name);

class service {
public:
    /// `store` and `rng` must outlive the service.
    service(service_options opts, state_store& store, ca_material ca, Botan::RandomNumberGenerator& rng);

    /// One HTTP request. Client mistakes are 400 with a text body; 500 only
    /// when the state directory fails us.
    http_reply handle(std::string_view method, std::string_view target, std::span<const std::uint8_t> body,
                      clock::time_point now);

    /// PKIOperation with the DER pkiMessage.
    http_reply pki_operation(std::span<const std::uint8_t> der, clock::time_point now);

    const ca_material& ca() const { return ca_; }
    /// The fault plan of this CA; the server draws the transport faults from it.
    fault_plan& faults() { return faults_; }

private:
    struct exchange;
    http_reply handle_operation(std::string_view method, std::string_view target, std::span<const std::uint8_t> body,
                                clock::time_point now);
    http_reply enroll(exchange& ex);
    http_reply poll(exchange& ex);
    http_reply get_cert(exchange& ex);
    http_reply get_crl(exchange& ex);
    http_reply get_ca_cert();
    http_reply get_next_ca_cert(clock::time_point now);
    http_reply apply(exchange& ex, const decision& d, transaction& t);
    /// Issues the certificate of `t` (a new serial), records it, replies.
    http_reply issue(exchange& ex, transaction& t, const std::string& reason);
    http_reply reply(exchange& ex, const scep::reply_content& content, const std::string& result);
    http_reply refuse(exchange& ex, scep::fail_info f, const std::string& reason);
    /// pending-then-failure: the answer to a poll (or a resent request) of a doomed transaction.
    http_reply doomed_poll(exchange& ex, transaction& t);

    service_options opts_;
    state_store& store_;
    ca_material ca_;
    Botan::RandomNumberGenerator& rng_;
    unsigned issued_ = 0; ///< certificates issued by this process (--crash-after-issue counts them)
    fault_plan faults_;
    /// Signs, receives or owns the key of the forged replies (made when a fault needs it).
    std::optional<identity> stranger_;
    /// pending-then-failure: transactionID -> PENDING polls left before FAILURE.
    /// Kept in memory: after a restart the transaction is served by the policy.
    std::map<std::string, unsigned> doomed_;
};

} // namespace ascep::testca
