// ascep::prepare_enrollment and ascep::async_enroll (include/ascep/enroll.hpp):
// the public face of scep::enroll_fsm run by engine::async_enroll.
#include "ascep/enroll.hpp"
#include "cms/software_key.hpp"

#include "engine/client_impl.hpp"
#include "engine/enroll.hpp"
#include "engine/prepare_with_key_ops.hpp"
#include "engine/error.hpp"
#include "scep/ca_roles.hpp"
#include "scep/csr.hpp"
#include "scep/query.hpp"
#include "scep/self_signed.hpp"
#include "scep/transaction_id.hpp"


namespace ascep {

namespace asio = boost::asio;

struct enroll_plan::state {
    scep::enroll_params params;
    std::vector<std::string> warnings;
};

const std::string& enroll_plan::transaction_id() const { return state_->params.transaction_id; }
const Botan::X509_Certificate& enroll_plan::signer_certificate() const { return state_->params.signer_cert; }
std::string enroll_plan::cipher() const { return std::string(asn1::cli_name(state_->params.algorithms.cipher)); }
std::string enroll_plan::digest() const { return std::string(asn1::cli_name(state_->params.algorithms.digest)); }
bool enroll_plan::use_post() const { return state_->params.algorithms.use_post; }
bool enroll_plan::renewal() const { return state_->params.type == scep::message_type::renewal_req; }
const std::vector<std::string>& enroll_plan::warnings() const { return state_->warnings; }

namespace {

bool same_key(const Botan::Public_Key& a, const Botan::Public_Key& b)
{
    return a.algo_name() == b.algo_name() && a.public_key_bits() == b.public_key_bits();
}

/// For the requests csr_signed_by cannot check itself (not PKCS#1 v1.5):
/// whether `csr` is for `key`, then Botan's check of its signature with
/// `key` (any scheme Botan verifies, any version read_csr reads); nullopt
/// when the signature does not verify.
std::optional<bool> other_scheme_check(const scep::csr_summary& csr, const std::vector<std::uint8_t>& der,
                                       const Botan::Public_Key& key)
{
    if (!scep::csr_is_for(csr, key))
        return false;
    if (!scep::csr_signature_verifies(der, key))
        return std::nullopt;
    return true;
}

/// The request's subject, once it is known to be a request for `key`
/// signed by it; nullopt and `why` otherwise (the messages of the old
/// Botan-only check).
std::optional<Botan::X509_DN> checked_csr_subject(const std::vector<std::uint8_t>& der, const Botan::Public_Key& key,
                                                  std::string& why)
{
    const std::string not_pkcs10 = "the certificate request is not a PKCS#10 request";
    const auto csr = scep::read_csr(der);
    if (!csr) {
        why = not_pkcs10;
        return std::nullopt;
    }
    auto ok = scep::csr_signed_by(*csr, key);
    if (ok && !*ok && scep::csr_is_for(*csr, key))
        ok = std::nullopt; // our key, a bad signature: not a request we can send
    if (!ok) {
        ok = other_scheme_check(*csr, der, key);
        if (!ok) {
            why = not_pkcs10;
            return std::nullopt;
        }
    }
    if (!*ok) {
        why = "the certificate request is not for the private key";
        return std::nullopt;
    }
    return csr->subject;
}

/// The key's shared private operation: the caller's, the request's, or a
/// new one for request.key.
std::shared_ptr<const cms::private_key_ops> key_ops_of(const enroll_request& request,
                                                       std::shared_ptr<const cms::private_key_ops> ops,
                                                       std::string& why)
{
    if (!ops)
        ops = request.signing_key;
    if (!ops)
        return std::make_shared<const cms::software_key>(request.key);
    const auto* soft = dynamic_cast<const cms::software_key*>(ops.get());
    const bool same_object = soft != nullptr && soft->shared_key() == request.key;
    if (request.key && !same_object && !same_key(*request.key, ops->public_key())) {
        why = "the key and its private operation hold different keys";
        return nullptr;
    }
    return ops;
}

/// Passes the engine's events on to the caller's observer.
class observer_adapter final : public engine::enroll_observer {
public:
    explicit observer_adapter(ascep::enroll_observer* to) : to_(to) {}
    void on_send(const scep::send_message& msg) override
    {
        if (to_)
            to_->on_send(msg.attempt, msg.type == scep::message_type::cert_poll);
    }
    bool on_pending(const scep::wait_for& next) override { return to_ == nullptr || to_->on_pending(next.delay); }

private:
    ascep::enroll_observer* to_;
};

} // namespace

std::optional<enroll_plan> prepare_enrollment(const enroll_request& request, Botan::RandomNumberGenerator& rng,
                                              std::string& why)
{
    return engine::prepare_enrollment(request, nullptr, rng, why);
}

std::optional<enroll_plan> engine::prepare_enrollment(const enroll_request& request,
                                                      std::shared_ptr<const cms::private_key_ops> ops,
                                                      Botan::RandomNumberGenerator& rng, std::string& why)
{
    if (!request.key && !request.signing_key && !ops) {
        why = "no private key";
        return std::nullopt;
    }
    const auto key = key_ops_of(request, std::move(ops), why);
    if (!key)
        return std::nullopt;
    auto subject = checked_csr_subject(request.csr, key->public_key(), why);
    if (!subject)
        return std::nullopt;

    auto st = std::make_shared<enroll_plan::state>();
    auto& p = st->params;
    const bool renewal = request.old_cert.has_value();
    if (renewal != (request.old_key != nullptr || request.old_signing_key != nullptr)) {
        why = "renewal needs both the old certificate and its key";
        return std::nullopt;
    }
    if (!renewal)
        p.signer_key = key;
    else if (request.old_signing_key)
        p.signer_key = request.old_signing_key;
    else
        p.signer_key = std::make_shared<const cms::software_key>(request.old_key);
    const Botan::Public_Key& signer = p.signer_key->public_key();
    if (renewal) {
        if (request.old_cert->subject_public_key_bitstring() != signer.public_key_bits()) {
            why = "the old certificate is not for the old key";
            return std::nullopt;
        }
        p.signer_cert = *request.old_cert;
    } else if (request.self_signed &&
               request.self_signed->subject_public_key_bitstring() == signer.public_key_bits()) {
        p.signer_cert = *request.self_signed;
    } else {
        try {
            p.signer_cert = scep::make_self_signed(*p.signer_key, *subject, std::chrono::system_clock::now(), rng);
        } catch (const std::exception& e) {
            why = std::string("cannot make the self-signed certificate: ") + e.what();
            return std::nullopt;
        }
    }

    auto roles = scep::select_ca_roles(request.ca_certificates,
                                       request.encryption_cert ? &*request.encryption_cert : nullptr);
    if (!roles) {
        why = roles.error().text;
        return std::nullopt;
    }

    scep::algorithm_overrides forced;
    if (!request.cipher.empty()) {
        forced.cipher = asn1::parse_cipher_name(request.cipher);
        if (!forced.cipher) {
            why = "unknown cipher '" + request.cipher + "'";
            return std::nullopt;
        }
    }
    if (!request.digest.empty()) {
        forced.digest = asn1::parse_digest_name(request.digest);
        if (!forced.digest) {
            why = "unknown digest '" + request.digest + "'";
            return std::nullopt;
        }
    }
    const scep::ca_caps caps{request.capabilities};
    p.algorithms = scep::choose_algorithms(caps, forced);
    if (request.use_post)
        p.algorithms.use_post = *request.use_post;
    st->warnings = p.algorithms.warnings;

    p.type = renewal && caps.renewal() ? scep::message_type::renewal_req : scep::message_type::pkcs_req;
    p.csr = request.csr;
    p.subject = std::move(*subject);
    p.csr_key = std::shared_ptr<const Botan::Public_Key>(key, &key->public_key()); // owned through the ops
    p.ca_cert = roles->ca;
    p.recipients = {roles->encryption};
    p.trusted_signers = roles->signers;
    p.ca_certificates = roles->all;
    p.transaction_id = scep::transaction_id_for(key->public_key());
    p.polling = {request.poll_interval, request.max_poll_time, request.max_poll_count};
    p.resume = request.resume;
    return enroll_plan(std::move(st));
}

std::optional<std::vector<std::uint8_t>> make_request_message(const enroll_plan& plan,
                                                              Botan::RandomNumberGenerator& rng, std::string& why)
{
    const auto& p = plan.internals().params;
    const scep::query_context ctx{{*p.signer_key, p.signer_cert}, p.recipients, p.algorithms, p.transaction_id,
                                  std::chrono::system_clock::now()};
    auto msg = scep::make_request(p.type, p.csr, ctx, rng);
    if (!msg) {
        why = msg.error().message();
        return std::nullopt;
    }
    return std::move(msg->body);
}

asio::awaitable<enroll_result> async_enroll(client& c, enroll_plan plan, Botan::RandomNumberGenerator& rng,
                                            enroll_observer* observer)
{
    observer_adapter adapter(observer);
    // The plan's parameters, shared (aliasing pointer), not copied.
    std::shared_ptr<const scep::enroll_params> params(plan.shared_internals(), &plan.internals().params);
    const bool use_post = params->algorithms.use_post;
    auto outcome = co_await engine::async_enroll(c.internals().ep, std::move(params), use_post, rng, &adapter);
    auto& r = outcome.result;

    enroll_result out;
    out.messages_sent = r.messages_sent;
    if (r.error == engine::errc::cancelled && r.status == scep::pki_status::pending) {
        out.status = enroll_status::pending;
        out.error = call_error{r.error, "stopped while PENDING"};
        co_return out;
    }
    if (r.error) {
        out.status = enroll_status::error;
        out.error = engine::make_call_error(r.error, outcome.diag);
        out.transient = out.error->transient;
        co_return out;
    }
    switch (r.status) {
    case scep::pki_status::success:
        out.status = enroll_status::issued;
        out.certificate = std::move(r.certificate);
        out.chain = std::move(r.chain);
        break;
    case scep::pki_status::pending:
        out.status = enroll_status::pending;
        break;
    case scep::pki_status::failure:
        out.status = enroll_status::rejected;
        if (r.fail_info) {
            out.fail_info = static_cast<int>(*r.fail_info);
            out.fail_info_name = std::string(scep::name(*r.fail_info));
        }
        out.fail_info_text = std::move(r.fail_info_text);
        break;
    }
    co_return out;
}

} // namespace ascep
