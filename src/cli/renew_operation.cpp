// renew: when the certificate -l expires within --within, a new key (or -k
// again with --reuse-key), a request signed by the current pair (RenewalReq
// when the CA lists Renewal, else PKCSReq), then -k and -l replaced as a
// pair. The swap is io::pair_swap's: whatever the crash point, the files on
// disk say how a re-run goes on, and no key sits beside a certificate that
// is not for it. The enrollment itself is enroll's (cli/enrollment.hpp).
#include "cli/challenge.hpp"
#include "cli/enrollment.hpp"
#include "cli/files.hpp"
#include "cli/key_pass.hpp"
#include "cli/operations.hpp"
#include "cli/renewal_support.hpp"
#include "cli/session.hpp"
#include "cli/token_renewal.hpp"
#include "cms/software_key.hpp"
#include "fleet/metrics.hpp"
#include "io/duration.hpp"
#include "io/durable_file.hpp"
#include "io/file_attributes.hpp"
#include "io/pair_swap.hpp"
#include "keys/key_file.hpp"
#include "scep/csr.hpp"

#include <botan/hex.h>
#include <botan/rsa.h>

#include <algorithm>

namespace ascep::cli {
namespace {

struct key_pair {
    std::shared_ptr<Botan::Private_Key> key;
    Botan::X509_Certificate cert;
};

/// A key and a certificate that must be for it.
file_result<key_pair> load_pair(const std::string& key_file, const std::string& cert_file,
                                const keys::passphrase* pass)
{
    auto key = load_private_key(key_file, pass);
    if (!key)
        return key.error();
    auto cert = load_certificate(cert_file);
    if (!cert)
        return cert.error();
    if (cert->subject_public_key_bitstring() != (*key)->public_key_bits())
        return file_failure("the certificate " + cert_file + " is not for the key " + key_file);
    return key_pair{std::move(*key), std::move(*cert)};
}

/// renew's run: the paths, and what the --json object and the last lines say.
class renewal {
public:
    explicit renewal(session& s)
        : s_(s), paths_{io::follow_symlinks(s.opts.key, link_error_), io::follow_symlinks(s.opts.local_cert, link_error_)}
    {
    }

    /// --metrics-file: the run's figures (source="run",
    /// certificate="-l"), once more now that it has ended with `code`.
    void write_final_metrics(int code)
    {
        if (!metrics_)
            return;
        const auto now = unix_now();
        // Done: renewed, or not due (a timer that contacts nothing is a
        // renewal system that works).
        if (code == 0)
            metrics_->set_last_success(now);
        fleet::metrics::expiry_summary e;
        e.at = now;
        if (auto cert = load_certificate(paths_.cert)) {
            const auto t = std::chrono::duration_cast<std::chrono::seconds>(
                               cert->not_after().to_std_timepoint().time_since_epoch())
                               .count();
            e.certificates = 1;
            e.soonest = t;
            e.within_7d = t < now + 7 * 86400;
            e.within_30d = t < now + 30 * 86400;
            e.within_90d = t < now + 90 * 86400;
        }
        metrics_->set_expiry(e);
        metrics_->set_run(started_, false);
        write_metrics(now);
    }

    int run()
    {
        if (!s_.opts.metrics_file.empty()) {
            metrics_.emplace(fleet::metrics::labels{{"source", "run"}, {"certificate", paths_.cert}});
            started_ = unix_now();
            std::vector<std::uint8_t> previous;
            if (io::read_file(s_.opts.metrics_file, previous, 1 << 20).empty())
                metrics_->set_last_success(
                    fleet::last_success_in(std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size())));
            metrics_->set_run(started_, true);
            write_metrics(started_);
        }
        // Read before anything is written, due or not: a challenge file that
        // is missing or wrong is a configuration error to hear of now, not
        // on the day the certificate falls due (with KEY.new already made).
        auto challenge = resolve_challenge(s_.opts, s_.out);
        if (!challenge)
            return s_.out.finish(challenge.error());
        challenge_ = std::move(*challenge);
        if (is_token_key(s_.opts.key))
            return run_token_renewal(s_, challenge_);
        // The passphrase too: a wrong one must stop the run before KEY.new.
        auto pass = resolve_key_pass(s_.opts);
        if (!pass)
            return s_.out.finish(pass.error());
        key_pass_ = std::move(*pass);
        // A symlinked -k or -l is renewed where it points: the link stays.
        if (!link_error_.empty())
            return s_.out.finish(file_failure(link_error_));
        if (paths_.key != s_.opts.key)
            s_.out.verbose(s_.opts.key + " is a symlink to " + paths_.key + ": renewing that file");
        if (paths_.cert != s_.opts.local_cert)
            s_.out.verbose(s_.opts.local_cert + " is a symlink to " + paths_.cert + ": renewing that file");
        const auto decision = io::next_step(io::look_at(paths_), paths_);
        switch (decision.step) {
        case io::pair_step::broken:
            return s_.out.finish(file_failure(decision.why + " (see docs/renewal.md)"));
        case io::pair_step::idle:
            return start();
        case io::pair_step::request:
            s_.out.info("resuming the renewal an earlier run started: the request for " + paths_.key_new());
            return request(true);
        case io::pair_step::keep_previous:
        case io::pair_step::install_key:
        case io::pair_step::install_cert:
            s_.out.info("finishing the renewal an earlier run started: installing " + paths_.cert_new());
            return install(decision.step);
        }
        return s_.out.finish(failure{outcome::general_error, "unknown renewal state"});
    }

private:
    /// No renewal under way: is one due? If so, the new key first.
    int start()
    {
        const auto& opts = s_.opts;
        auto pair = load_pair(paths_.key, paths_.cert, key_pass_.get());
        if (!pair)
            return s_.out.finish(pair.error());
        std::string expiry;
        if (!check_due(s_, pair->cert, paths_.cert, expiry))
            return s_.out.finish(0);

        if (opts.reuse_key) {
            s_.out.info(expiry + ": renewing with the same key");
            if (auto why = io::copy_file_durable(paths_.key, paths_.key_new()); !why.empty())
                return s_.out.finish(file_failure(why));
        } else {
            const bool rsa = pair->key->algo_name() == "RSA";
            const auto bits = opts.key_bits.value_or(
                rsa ? std::clamp<std::size_t>(pair->key->key_length(), min_key_bits, max_key_bits) : default_key_bits);
            s_.out.info(expiry + ": renewing with a new " + std::to_string(bits) + "-bit RSA key");
            const Botan::RSA_PrivateKey key(s_.rng, bits);
            // Durable before the request goes out: a re-run sends it again
            // with this key (the same transactionID), never with another.
            if (auto why = keys::write_private_key(paths_.key_new(), key, key_pass_.get(), s_.rng); !why.empty())
                return s_.out.finish(file_failure(why));
        }
        io::crash_point("key-written");
        return request(false);
    }

    /// KEY.new exists and CERT is the old certificate: ask for the new one.
    int request(bool earlier_run)
    {
        const auto& opts = s_.opts;
        auto old = load_pair(paths_.key, paths_.cert, key_pass_.get());
        if (!old)
            return s_.out.finish(old.error());
        auto key = load_private_key(paths_.key_new(), key_pass_.get());
        if (!key)
            return s_.out.finish(key.error());
        auto& j = s_.out.json();
        j["due"] = true;
        j["renewed"] = false;
        j["old_serial"] = serial_of(old->cert);
        auto csr = renewal_csr(cms::software_key(*key), old->cert, challenge_);
        if (!csr)
            return s_.out.finish(csr.error());

        ascep::enroll_request req;
        req.key = *key;
        req.csr = std::move(*csr);
        req.old_key = old->key;
        req.old_cert = old->cert;
        // -R polls for the request an earlier run sent; without it the
        // request goes again under the same transactionID, which a CA takes
        // as a poll (RFC 8894 §3.3.3) and which also covers a request that
        // never reached it.
        req.resume = earlier_run && opts.resume;
        if (auto filled = fill_ca_settings(s_, req, true); !filled)
            return s_.out.finish(filled.error());
        auto plan = plan_enrollment(s_, req);
        if (!plan)
            return s_.out.finish(plan.error());

        const auto sent_at = std::chrono::steady_clock::now();
        const auto result = metrics_ ? run_enrollment(s_, *plan, [this] { write_metrics(unix_now()); },
                                                      std::chrono::seconds(10))
                                     : run_enrollment(s_, *plan);
        if (metrics_) {
            const char* status = result.status == ascep::enroll_status::issued    ? "issued"
                                 : result.status == ascep::enroll_status::pending  ? "pending"
                                 : result.status == ascep::enroll_status::rejected ? "failure"
                                                                                   : "error";
            metrics_->request(req.resume ? "CertPoll" : request_name(*plan), status,
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - sent_at).count());
        }
        if (result.status == ascep::enroll_status::rejected) {
            // Refused: the old pair was never touched; the next run starts
            // afresh instead of resending what the CA refused.
            if (auto why = io::abandon_new_key(paths_); !why.empty())
                s_.out.warn(why);
        }
        if (auto code = finish_unless_issued(s_, result))
            return *code;
        io::crash_point("issued");
        if (auto w = write_text_atomic(paths_.cert_new(), result.certificate->PEM_encode()); !w)
            return s_.out.finish(w.error());
        io::crash_point("cert-written");
        return install(io::pair_step::keep_previous);
    }

    /// CERT.new is issued: swap the pair from `step` on.
    int install(io::pair_step step)
    {
        // What the new certificate must be for: KEY.new until it is installed.
        const auto& key_file = step == io::pair_step::install_cert ? paths_.key : paths_.key_new();
        auto fresh = load_pair(key_file, paths_.cert_new(), key_pass_.get());
        if (!fresh)
            return s_.out.finish(fresh.error());
        std::optional<Botan::X509_Certificate> previous;
        if (step == io::pair_step::keep_previous) {
            auto cert = load_certificate(paths_.cert);
            if (!cert)
                return s_.out.finish(cert.error());
            previous = *cert;
        } else if (file_exists(paths_.cert_prev())) {
            if (auto cert = load_certificate(paths_.cert_prev()))
                previous = *cert;
        }
        if (auto why = io::finish_swap(paths_, step); !why.empty())
            return s_.out.finish(file_failure(why + "; run again to finish the renewal"));

        const auto& cert = fresh->cert;
        s_.out.info("certificate written as " + paths_.cert);
        s_.out.info("private key written as " + paths_.key);
        s_.out.info("previous pair kept as " + paths_.key_prev() + " and " + paths_.cert_prev());
        report_renewed(s_, cert, previous, {paths_.cert, paths_.key, paths_.cert_prev(), paths_.key_prev()});
        return s_.out.finish(0);
    }

    static std::int64_t unix_now()
    {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    void write_metrics(std::int64_t now)
    {
        if (auto why = fleet::write_metrics_file(s_.opts.metrics_file, metrics_->render(now)); !why.empty())
            s_.out.warn("cannot write the metrics file: " + why);
    }

    session& s_;
    std::string link_error_; ///< a symlink loop or an unreadable link in -k or -l
    io::pair_paths paths_;
    std::optional<fleet::metrics> metrics_;
    std::int64_t started_ = 0;
    std::string challenge_; ///< for the new request; usually empty (the old pair vouches)
    /// --key-pass: reads -k and KEY.new, and encrypts KEY.new.
    key_passphrase key_pass_;
};

} // namespace

int run_renew(session& s)
{
    renewal r(s);
    const int code = r.run();
    r.write_final_metrics(code);
    return code;
}

} // namespace ascep::cli
