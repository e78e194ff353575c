#include "cli/enrollment.hpp"

#include "cli/files.hpp"
#include "cli/session.hpp"
#include "engine/operations.hpp"
#include "engine/transient.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <variant>

namespace ascep::cli {
namespace {

/// Prints sscep's progress lines as the enrollment goes.
class progress_printer final : public ascep::enroll_observer {
public:
    progress_printer(reporter& out, std::string request_name) : out_(out), request_name_(std::move(request_name)) {}

    void on_send(unsigned, bool poll) override
    {
        // sscep numbers the polls, from 1, whether or not a request preceded them.
        if (poll)
            out_.info("requesting certificate (#" + std::to_string(++polls_) + ")");
        else
            out_.info("sending certificate request (" + request_name_ + ")");
    }

    bool on_pending(std::chrono::seconds next) override
    {
        out_.info("pkistatus: PENDING");
        out_.verbose("waiting for " + std::to_string(next.count()) + " secs");
        return true;
    }

private:
    reporter& out_;
    std::string request_name_;
    unsigned polls_ = 0;
};

} // namespace

file_result<void> fill_ca_settings(session& s, ascep::enroll_request& req, bool ask_caps)
{
    const auto& opts = s.opts;
    auto chain = s.load_ca_chain();
    if (!chain)
        return chain.error();
    req.ca_certificates = std::move(*chain);
    if (!opts.enc_cert.empty()) {
        auto enc = load_certificate(opts.enc_cert);
        if (!enc)
            return enc.error();
        req.encryption_cert = *enc;
    }
    if (ask_caps) {
        for (;;) {
            auto c = s.run(engine::async_get_caps(s.ep, s.diag));
            if (c) {
                s.retry.answered();
                req.capabilities = c->keywords;
                break;
            }
            if (!s.retry.again("GetCACaps", c.error(), transport::describe(c.error(), s.diag),
                               engine::is_transient(c.error(), s.diag)))
                return s.failure_of(c.error(), "GetCACaps failed");
        }
    }
    if (opts.cipher)
        req.cipher = std::string(asn1::cli_name(*opts.cipher));
    if (opts.digest)
        req.digest = std::string(asn1::cli_name(*opts.digest));
    req.use_post = opts.post;
    req.poll_interval = *opts.poll_interval;
    req.max_poll_time = *opts.max_poll_time;
    req.max_poll_count = *opts.max_poll_count;
    return {};
}

file_result<ascep::enroll_plan> plan_enrollment(session& s, const ascep::enroll_request& req)
{
    std::string why;
    auto plan = ascep::prepare_enrollment(req, s.rng, why);
    if (!plan) {
        const bool self_signed = why.starts_with("cannot make the self-signed");
        return failure{self_signed ? outcome::self_signed_error : outcome::file_error, why};
    }
    for (const auto& w : plan->warnings())
        s.out.warn(w);
    s.out.verbose("using " + plan->cipher() + " and " + plan->digest() + (plan->use_post() ? ", POST" : ", GET"));
    s.out.verbose("transaction id: " + plan->transaction_id());
    s.out.json()["transaction_id"] = plan->transaction_id();
    return std::move(*plan);
}

const char* request_name(const ascep::enroll_plan& plan)
{
    return plan.renewal() ? "RenewalReq" : "PKCSReq";
}

namespace {

/// Runs `attempt` again while it fails with a transient error and the run's
/// --retry-for allows (the same plan is the same transaction).
template <typename Attempt>
ascep::enroll_result retrying(session& s, const ascep::enroll_plan& plan, Attempt attempt)
{
    unsigned sent_before = 0;
    for (;;) {
        auto r = attempt();
        r.messages_sent += sent_before;
        if (r.status != ascep::enroll_status::error) {
            s.retry.answered();
            return r;
        }
        if (!s.retry.again(request_name(plan), r.error->code, r.error->text, r.transient))
            return r;
        sent_before = r.messages_sent;
    }
}

} // namespace

ascep::enroll_result run_enrollment(session& s, const ascep::enroll_plan& plan)
{
    progress_printer printer(s.out, request_name(plan));
    return retrying(s, plan, [&] { return s.run(ascep::async_enroll(s.client, plan, s.rng, &printer)); });
}

namespace {

boost::asio::awaitable<void> tick_every(const std::function<void()>& tick, std::chrono::milliseconds every)
{
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        timer.expires_after(every);
        co_await timer.async_wait(boost::asio::use_awaitable);
        tick();
    }
}

boost::asio::awaitable<ascep::enroll_result> enroll_ticking(session& s, const ascep::enroll_plan& plan,
                                                            ascep::enroll_observer& observer,
                                                            const std::function<void()>& tick,
                                                            std::chrono::milliseconds every)
{
    using namespace boost::asio::experimental::awaitable_operators;
    // The ticker never ends by itself: the enrollment's end cancels it.
    auto done = co_await (ascep::async_enroll(s.client, plan, s.rng, &observer) || tick_every(tick, every));
    co_return std::get<0>(std::move(done));
}

} // namespace

ascep::enroll_result run_enrollment(session& s, const ascep::enroll_plan& plan, const std::function<void()>& tick,
                                    std::chrono::milliseconds every)
{
    progress_printer printer(s.out, request_name(plan));
    return retrying(s, plan, [&] { return s.run(enroll_ticking(s, plan, printer, tick, every)); });
}

std::optional<int> finish_unless_issued(session& s, const ascep::enroll_result& r)
{
    s.out.json()["messages_sent"] = r.messages_sent;
    if (r.status == ascep::enroll_status::error)
        return s.out.finish(failure{outcome_of(r.error->code), "enrollment failed: " + r.error->text});
    s.out.verbose("valid response from server");
    switch (r.status) {
    case ascep::enroll_status::pending:
        s.out.info("pkistatus: PENDING");
        s.out.json()["pki_status"] = "PENDING";
        return s.out.finish(failure{outcome::pending, "still PENDING after " + std::to_string(r.messages_sent) +
                                                          " messages; run again with -R to keep polling"});
    case ascep::enroll_status::rejected: {
        s.out.info("pkistatus: FAILURE");
        s.out.json()["pki_status"] = "FAILURE";
        std::string text = "the CA refused the request";
        if (r.fail_info) {
            text += ": failInfo " + r.fail_info_name;
            s.out.json()["fail_info"] = r.fail_info_name;
        }
        if (r.fail_info_text) {
            text += " (" + *r.fail_info_text + ")";
            s.out.json()["fail_info_text"] = *r.fail_info_text;
        }
        return s.out.finish(failure{outcome_of_fail_info(r.fail_info), text});
    }
    default:
        break;
    }
    s.out.info("pkistatus: SUCCESS");
    s.out.json()["pki_status"] = "SUCCESS";
    return std::nullopt;
}

} // namespace ascep::cli
