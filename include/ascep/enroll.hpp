// ascep's library API, part 2: one enrollment (RFC 8894 §3.3): PKCSReq or
// RenewalReq, then CertPoll while the CA says PENDING, every reply verified
// strictly. `ascep enroll` and `ascep fleet` both run exactly this.
//
//   auto plan = ascep::prepare_enrollment(request, rng, why);   // no I/O
//   auto result = co_await ascep::async_enroll(client, *plan, rng, &observer);
#pragma once

#include "ascep/client.hpp"
#include "ascep/private_key.hpp"

#include <botan/pk_keys.h>
#include <botan/rng.h>

#include <cstdint>
#include <memory>

namespace ascep {

struct enroll_request {
    /// The key the certificate is for, and its PKCS#10 request (DER).
    /// `signing_key` (a software or token key, private_key.hpp) is used
    /// when set, else `key`.
    std::shared_ptr<const Botan::Private_Key> key;
    private_key signing_key;
    std::vector<std::uint8_t> csr;
    /// Renewal: sign with this existing certificate and its key (RenewalReq
    /// when the CA lists "Renewal", else PKCSReq signed by it): the key as
    /// `old_signing_key` when set, else `old_key`.
    std::shared_ptr<const Botan::Private_Key> old_key;
    private_key old_signing_key;
    std::optional<Botan::X509_Certificate> old_cert;
    /// A self-signed certificate of `key` from an earlier run (to poll under
    /// the same signer); otherwise a fresh one is made.
    std::optional<Botan::X509_Certificate> self_signed;
    /// The CA's certificates (GetCACert or a file): the roles (issuing CA,
    /// encryption, reply signers) are picked by key usage.
    std::vector<Botan::X509_Certificate> ca_certificates;
    /// Encrypt to this certificate instead of the one picked (sscep's -e).
    std::optional<Botan::X509_Certificate> encryption_cert;
    /// The CA's GetCACaps keywords; they choose the algorithms and GET/POST.
    std::vector<std::string> capabilities;
    /// Force "aes"/"aes192"/"aes256"/"3des"/"des"/"blowfish" and
    /// "md5"/"sha1"/"sha224"/"sha256"/"sha384"/"sha512"; empty: from the caps.
    std::string cipher;
    std::string digest;
    /// Force POST (true) or GET (false); unset: POST when the CA supports it.
    std::optional<bool> use_post;
    /// PENDING: poll every `poll_interval`, give up after `max_poll_time` or
    /// `max_poll_count` polls (sscep's -t, -T, -n).
    std::chrono::seconds poll_interval{300};
    std::chrono::seconds max_poll_time{28800};
    unsigned max_poll_count = 256;
    /// The request went out in an earlier run: start with CertPoll (sscep's -R).
    bool resume = false;
};

/// An enrollment ready to run: the request checked, the algorithms chosen, the
/// signer certificate made. Cheap to copy.
class enroll_plan {
public:
    struct state;
    explicit enroll_plan(std::shared_ptr<const state> s) : state_(std::move(s)) {}

    /// SCEP transactionID: hex MD5 of the key's SubjectPublicKeyInfo.
    const std::string& transaction_id() const;
    /// What signs our messages: the self-signed or the old certificate.
    const Botan::X509_Certificate& signer_certificate() const;
    /// "aes", "sha256", ...
    std::string cipher() const;
    std::string digest() const;
    bool use_post() const;
    bool renewal() const;
    /// Algorithm fall-backs the user should see (DES, MD5), one line each.
    const std::vector<std::string>& warnings() const;
    const state& internals() const { return *state_; }
    const std::shared_ptr<const state>& shared_internals() const { return state_; }

private:
    std::shared_ptr<const state> state_;
};

/// Checks `request` and plans it. nullopt and `why` (one line) when the CSR
/// is not for the key, no CA certificate is usable, a forced algorithm is
/// unknown, or the old certificate is not for the old key.
std::optional<enroll_plan> prepare_enrollment(const enroll_request& request, Botan::RandomNumberGenerator& rng,
                                              std::string& why);

/// The PKCSReq/RenewalReq pkiMessage of `plan`, as it would be sent (sscep's
/// -m); nullopt and `why` when it cannot be built.
std::optional<std::vector<std::uint8_t>> make_request_message(const enroll_plan& plan,
                                                              Botan::RandomNumberGenerator& rng, std::string& why);

enum class enroll_status {
    issued,   ///< SUCCESS: `certificate` is ours
    pending,  ///< still PENDING at the poll limits, or stopped while waiting
    rejected, ///< FAILURE from the CA: see fail_info
    error,    ///< no valid answer: network, HTTP or verification error (`error`)
};

struct enroll_result {
    enroll_status status = enroll_status::error;
    /// For status error: what went wrong. `transient` when trying again later
    /// may succeed (connection refused or reset, a timeout, HTTP 5xx).
    std::optional<call_error> error;
    bool transient = false;
    /// For status rejected: failInfo (0..4, RFC 8894 §3.2.1.4.5), its name,
    /// and failInfoText when the CA sent one.
    std::optional<int> fail_info;
    std::string fail_info_name;
    std::optional<std::string> fail_info_text;
    /// For status issued: our certificate, and its chain: the issuing CA,
    /// then any intermediates, then the root, as far as the reply and the
    /// CA certificates given hold them.
    std::optional<Botan::X509_Certificate> certificate;
    std::vector<Botan::X509_Certificate> chain;
    /// pkiMessages sent in this call (1 request + polls).
    unsigned messages_sent = 0;
};

/// Told what happens, on the client's executor.
class enroll_observer {
public:
    virtual ~enroll_observer() = default;
    /// About to send message `attempt` (1, 2, ...); `poll`: a CertPoll.
    virtual void on_send(unsigned attempt, bool poll) { (void)attempt, (void)poll; }
    /// The CA said PENDING; the next poll is `next` away. Return false to stop
    /// now (status pending), e.g. on shutdown.
    virtual bool on_pending(std::chrono::seconds next) { (void)next; return true; }
};

/// Runs the enrollment. Waits (PENDING) are timers, not sleeps: thousands of
/// enrollments can run on one io_context. Terminal cancellation of the
/// awaiting coroutine (asio::cancellation_signal) ends a wait with status
/// pending. Never throws for network, HTTP or protocol errors.
/// Lifetimes: `c`, `rng` and `observer` (may be null) must outlive the call.
boost::asio::awaitable<enroll_result> async_enroll(client& c, enroll_plan plan, Botan::RandomNumberGenerator& rng,
                                                   enroll_observer* observer = nullptr);

} // namespace ascep
