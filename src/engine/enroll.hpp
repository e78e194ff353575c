// One enrollment, start to finish, as a coroutine: runs scep::enroll_fsm,
// sends its messages as PKIOperations and waits out PENDING on a steady_timer
// (never sleep), so thousands can run on one io_context.
#pragma once

#include "engine/endpoint.hpp"
#include "scep/enroll_fsm.hpp"

#include <boost/asio/awaitable.hpp>
#include <botan/rng.h>

namespace ascep::engine {

/// Told what happens, for progress output. Called on the io_context thread.
class enroll_observer {
public:
    virtual ~enroll_observer() = default;
    /// About to send message number `attempt` (1: the request, 2..: CertPolls).
    virtual void on_send(const scep::send_message& msg) = 0;
    /// The CA said PENDING; the next poll is `next.delay` away. false: stop
    /// now, with status pending and error errc::cancelled.
    virtual bool on_pending(const scep::wait_for& next) = 0;
};

struct enroll_outcome {
    /// status, certificate, fail info; result.error is set on any failure
    /// (transport, engine, cms or scep error).
    scep::enroll_result result;
    /// What the transport saw on the last exchange.
    transport::diagnostics diag;
};

/// Runs the enrollment. `ep`, `rng` and `observer` (may be null) must outlive
/// the returned awaitable; `params` is moved in.
boost::asio::awaitable<enroll_outcome> async_enroll(const endpoint& ep, scep::enroll_params params, bool use_post,
                                                    Botan::RandomNumberGenerator& rng, enroll_observer* observer);
/// The same with shared parameters (not copied; they must not change while it runs).
boost::asio::awaitable<enroll_outcome> async_enroll(const endpoint& ep,
                                                    std::shared_ptr<const scep::enroll_params> params,
                                                    bool use_post, Botan::RandomNumberGenerator& rng,
                                                    enroll_observer* observer);

} // namespace ascep::engine
