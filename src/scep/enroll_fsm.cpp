#include "scep/enroll_fsm.hpp"

#include "scep/ca_roles.hpp"
#include "scep/error.hpp"
#include "scep/message_data.hpp"
#include "scep/query.hpp"

#include <algorithm>

namespace ascep::scep {

namespace {
template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;
} // namespace

enroll_fsm::enroll_fsm(enroll_params params, Botan::RandomNumberGenerator& rng)
    : params_(std::make_shared<const enroll_params>(std::move(params))), rng_(rng)
{
}

enroll_fsm::enroll_fsm(std::shared_ptr<const enroll_params> params, Botan::RandomNumberGenerator& rng)
    : params_(std::move(params)), rng_(rng)
{
}

enroll_action enroll_fsm::resume(const enroll_event& event, std::chrono::system_clock::time_point now)
{
    return std::visit(overloaded{
                          [&](const started&) {
                              if (params_->resume)
                                  return send(message_type::cert_poll, {}, now);
                              return send(params_->type, params_->csr, now);
                          },
                          [&](const reply_received& r) { return on_reply(r.body, now); },
                          [&](const timer_expired&) { return send(message_type::cert_poll, {}, now); },
                      },
                      event);
}

enroll_action enroll_fsm::send(message_type type, std::vector<std::uint8_t> data,
                               std::chrono::system_clock::time_point now)
{
    if (type == message_type::cert_poll)
        data = encode_issuer_and_subject(params_->ca_cert.raw_subject_dn(), params_->subject.BER_encode());

    const query_context ctx{{*params_->signer_key, params_->signer_cert}, params_->recipients, params_->algorithms,
                            params_->transaction_id, now};
    auto request = make_request(type, std::move(data), ctx, rng_);
    if (!request)
        return fail(request.error());
    in_flight_ = request->sent;
    if (!first_sent_)
        first_sent_ = now;
    ++sent_;
    return send_message{type, std::move(request->body), sent_};
}

enroll_action enroll_fsm::on_reply(std::span<const std::uint8_t> body, std::chrono::system_clock::time_point now)
{
    if (!in_flight_)
        return fail(errc::unexpected_message_type);
    const std::vector<Botan::X509_Certificate>& trusted = params_->trusted_signers;
    auto rep = check_cert_rep(body, *in_flight_,
                              {trusted, *params_->signer_key, params_->signer_cert, params_->ca_certificates});
    in_flight_.reset();
    if (!rep)
        return fail(rep.error());

    enroll_result result;
    result.status = rep->status;
    result.messages_sent = sent_;
    switch (rep->status) {
    case pki_status::success: {
        auto cert = issued_certificate(*rep, *params_->csr_key);
        if (!cert)
            return fail(cert.error());
        result.certificate = *cert;
        // Issuer first, up to the root, from what the reply carries and
        // the CA's set; the reply's order means nothing.
        auto pool = std::move(rep->certificates);
        pool.insert(pool.end(), params_->ca_certificates.begin(), params_->ca_certificates.end());
        result.chain = issuer_chain(*cert, pool);
        return finished{std::move(result)};
    }
    case pki_status::failure:
        result.fail_info = rep->header.fail_info;
        result.fail_info_text = rep->header.fail_info_text;
        return finished{std::move(result)};
    case pki_status::pending:
        break;
    }

    // PENDING: poll again unless a limit is reached. sent_ counts the request
    // too, so -n 1 means "send once, never poll".
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - *first_sent_);
    const auto remaining = params_->polling.max_time - elapsed;
    if (sent_ >= params_->polling.max_count || remaining <= std::chrono::seconds::zero())
        return finished{std::move(result)};
    return wait_for{std::min(params_->polling.interval, remaining)};
}

enroll_action enroll_fsm::fail(boost::system::error_code ec)
{
    enroll_result result;
    result.error = ec;
    result.messages_sent = sent_;
    return finished{std::move(result)};
}

} // namespace ascep::scep
