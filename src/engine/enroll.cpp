#include "engine/enroll.hpp"

#include "engine/error.hpp"
#include "engine/operations.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <tuple>

namespace ascep::engine {

namespace asio = boost::asio;

asio::awaitable<enroll_outcome> async_enroll(const endpoint& ep, scep::enroll_params params, bool use_post,
                                             Botan::RandomNumberGenerator& rng, enroll_observer* observer)
{
    auto shared = std::make_shared<const scep::enroll_params>(std::move(params));
    auto out = co_await async_enroll(ep, std::move(shared), use_post, rng, observer);
    co_return out;
}

asio::awaitable<enroll_outcome> async_enroll(const endpoint& ep, std::shared_ptr<const scep::enroll_params> params,
                                             bool use_post, Botan::RandomNumberGenerator& rng,
                                             enroll_observer* observer)
{
    enroll_outcome out;
    scep::enroll_fsm fsm(std::move(params), rng);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    unsigned sent = 0;

    scep::enroll_action action = fsm.resume(scep::started{}, std::chrono::system_clock::now());
    while (!std::holds_alternative<scep::finished>(action)) {
        if (auto* send = std::get_if<scep::send_message>(&action)) {
            if (observer)
                observer->on_send(*send);
            const unsigned attempt = send->attempt;
            sent = attempt;
            auto reply = co_await async_pki_operation(ep, use_post, std::move(send->body), out.diag);
            if (!reply) {
                scep::enroll_result failed;
                failed.error = reply.error();
                failed.messages_sent = attempt;
                action = scep::finished{std::move(failed)};
            } else {
                action = fsm.resume(scep::reply_received{*reply}, std::chrono::system_clock::now());
            }
            continue;
        }
        const auto wait = std::get<scep::wait_for>(action);
        const bool go_on = observer == nullptr || observer->on_pending(wait);
        boost::system::error_code ec = errc::cancelled;
        if (go_on) {
            timer.expires_after(wait.delay);
            std::tie(ec) = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        if (ec) {
            // Stopped while PENDING: the CA still holds the request; a later
            // run resumes it with CertPoll.
            scep::enroll_result stopped;
            stopped.error = errc::cancelled;
            stopped.status = scep::pki_status::pending;
            stopped.messages_sent = sent;
            action = scep::finished{std::move(stopped)};
        } else {
            action = fsm.resume(scep::timer_expired{}, std::chrono::system_clock::now());
        }
    }
    out.result = std::move(std::get<scep::finished>(action).result);
    co_return out;
}

} // namespace ascep::engine
