#include "cli/token_renewal.hpp"

#include "cli/enrollment.hpp"
#include "cli/files.hpp"
#include "cli/renewal_support.hpp"
#include "cli/session.hpp"
#include "cli/token_certificate.hpp"
#include "io/crash_point.hpp"
#include "io/durable_file.hpp"
#include "keys/pkcs11_key.hpp"

#include <botan/pkix_types.h>

#include <algorithm>

namespace ascep::cli {

token_step next_token_step(const token_pair_state& s)
{
    if (!s.pending && !s.cert_new)
        return s.key && s.cert ? token_step::idle : token_step::broken;
    if (s.pending && !s.cert_new)
        return s.key && s.cert ? token_step::request : token_step::broken;
    if (s.pending) // and CERT.new
        return s.key ? (s.cert ? token_step::keep_previous : token_step::broken) : token_step::install_key;
    // CERT.new without LABEL.pending: the new key is installed already.
    return s.key && !s.cert ? token_step::install_cert : token_step::broken;
}

namespace {

using key_ptr = std::shared_ptr<const keys::pkcs11_key>;

bool is_for(const Botan::X509_Certificate& cert, const cms::private_key_ops& key)
{
    return cert.subject_public_key_bitstring() == key.public_key().public_key_bits();
}

class token_renewal {
public:
    token_renewal(session& s, const std::string& challenge) : s_(s), challenge_(challenge) {}

    int run()
    {
        std::string why;
        const auto uri = keys::pkcs11_uri::parse(s_.opts.key, why);
        if (!uri)
            return fail(why);
        label_ = uri->object();
        if (label_.empty())
            return fail("renew with a token key needs object=LABEL in the URI " + uri->text());
        if (s_.opts.reuse_key)
            return s_.out.finish(
                failure{outcome::general_error, "--reuse-key is for key files; a token key is renewed with a new "
                                                "key pair made on the token"});
        token_ = keys::token::open(*uri, token_settings_of(s_.opts), why);
        if (!token_)
            return fail(why);
        cert_ = s_.opts.local_cert;
        const token_pair_state st{token_->has_key(label_), token_->has_key(pending()), file_exists(cert_),
                                  file_exists(cert_new())};
        switch (next_token_step(st)) {
        case token_step::idle: return start();
        case token_step::request:
            s_.out.info("resuming the renewal an earlier run started: the request for the key '" + pending() + "'");
            return request(true);
        case token_step::keep_previous:
        case token_step::install_key:
        case token_step::install_cert:
            s_.out.info("finishing the renewal an earlier run started: installing " + cert_new());
            return install(next_token_step(st));
        case token_step::broken: break;
        }
        return fail("the token '" + token_->label() + "' and the files are in no state a renewal leaves (key '" +
                    label_ + "' " + (st.key ? "present" : "missing") + ", '" + pending() + "' " +
                    (st.pending ? "present" : "missing") + ", " + cert_ + " " + (st.cert ? "present" : "missing") +
                    ", " + cert_new() + " " + (st.cert_new ? "present" : "missing") + "; see docs/keys.md)");
    }

private:
    std::string pending() const { return label_ + ".pending"; }
    std::string previous() const { return label_ + ".prev"; }
    std::string cert_new() const { return cert_ + ".new"; }
    std::string cert_prev() const { return cert_ + ".prev"; }

    int fail(const std::string& why) { return s_.out.finish(file_failure(why)); }

    /// The current pair: LABEL and CERT, which must be for it.
    file_result<std::pair<key_ptr, Botan::X509_Certificate>> current()
    {
        std::string why;
        auto key = token_->find_key(label_, why);
        if (!key)
            return file_failure(why);
        auto cert = load_certificate(cert_);
        if (!cert)
            return cert.error();
        if (!is_for(*cert, *key))
            return file_failure("the certificate " + cert_ + " is not for the key '" + label_ + "' on the token '" +
                                token_->label() + "'");
        return std::pair{std::move(key), std::move(*cert)};
    }

    int start()
    {
        auto cur = current();
        if (!cur)
            return s_.out.finish(cur.error());
        std::string expiry;
        if (!check_due(s_, cur->second, cert_, expiry))
            return s_.out.finish(0);
        // The old key of the renewal before this one goes now, as promised.
        for (const auto& id : token_->key_ids(previous()))
            if (auto why = token_->destroy(id); !why.empty())
                return fail(why);
        const auto bits = s_.opts.key_bits.value_or(
            std::clamp<std::size_t>(cur->first->public_key().key_length(), min_key_bits, max_key_bits));
        s_.out.info(expiry + ": renewing with a new " + std::to_string(bits) + "-bit RSA key made on the token '" +
                    token_->label() + "'");
        std::string why;
        // Made on the token, under the pending label, before the request goes
        // out: a re-run sends it again with this key (the same transactionID).
        if (!token_->generate_rsa(pending(), static_cast<unsigned>(bits), why))
            return fail(why);
        io::crash_point("key-written");
        return request(false);
    }

    int request(bool earlier_run)
    {
        auto cur = current();
        if (!cur)
            return s_.out.finish(cur.error());
        std::string why;
        const auto fresh = token_->find_key(pending(), why);
        if (!fresh)
            return fail(why);
        auto& j = s_.out.json();
        j["due"] = true;
        j["renewed"] = false;
        j["old_serial"] = serial_of(cur->second);
        auto csr = renewal_csr(*fresh, cur->second, challenge_);
        if (!csr)
            return s_.out.finish(csr.error());

        ascep::enroll_request req;
        req.signing_key = fresh;
        req.csr = std::move(*csr);
        req.old_signing_key = cur->first;
        req.old_cert = cur->second;
        req.resume = earlier_run && s_.opts.resume;
        if (auto filled = fill_ca_settings(s_, req, true); !filled)
            return s_.out.finish(filled.error());
        auto plan = plan_enrollment(s_, req);
        if (!plan)
            return s_.out.finish(plan.error());
        const auto result = run_enrollment(s_, *plan);
        if (result.status == ascep::enroll_status::rejected) {
            // Refused: the old pair was never touched; the next run starts afresh.
            if (auto e = token_->destroy(fresh->id()); !e.empty())
                s_.out.warn(e);
        }
        if (auto code = finish_unless_issued(s_, result))
            return *code;
        io::crash_point("issued");
        if (auto w = write_text_atomic(cert_new(), result.certificate->PEM_encode()); !w)
            return s_.out.finish(w.error());
        io::crash_point("cert-written");
        return install(token_step::keep_previous);
    }

    int install(token_step step)
    {
        std::string why;
        auto issued = load_certificate(cert_new());
        if (!issued)
            return s_.out.finish(issued.error());
        // What CERT.new must be for: LABEL.pending until it is installed.
        const auto& new_label = step == token_step::install_cert ? label_ : pending();
        const auto fresh = token_->find_key(new_label, why);
        if (!fresh)
            return fail(why);
        if (!is_for(*issued, *fresh))
            return fail("the certificate " + cert_new() + " is not for the key '" + new_label + "' on the token '" +
                        token_->label() + "'");
        std::optional<Botan::X509_Certificate> previous_cert;
        switch (step) {
        case token_step::keep_previous: {
            auto old = current();
            if (!old)
                return s_.out.finish(old.error());
            previous_cert = old->second;
            if (why = io::copy_file_durable(cert_, cert_prev()); !why.empty())
                return fail(why);
            if (why = token_->relabel(old->first->id(), previous()); !why.empty())
                return fail(why);
            io::crash_point("previous-kept");
        }
            [[fallthrough]];
        case token_step::install_key:
            if (file_exists(cert_)) {
                if (why = io::remove_durable(cert_); !why.empty())
                    return fail(why);
                io::crash_point("cert-removed");
            }
            if (why = token_->relabel(fresh->id(), label_); !why.empty())
                return fail(why);
            io::crash_point("key-installed");
            [[fallthrough]];
        case token_step::install_cert:
            // Again, in case a crash cut the relabelling between the
            // private and the public half.
            if (why = token_->relabel(fresh->id(), label_); !why.empty())
                return fail(why);
            if (why = io::rename_durable(cert_new(), cert_); !why.empty())
                return fail(why + "; run again to finish the renewal");
            break;
        case token_step::idle:
        case token_step::request:
        case token_step::broken: return fail("nothing to install");
        }
        if (!previous_cert && file_exists(cert_prev()))
            if (auto c = load_certificate(cert_prev()))
                previous_cert = *c;

        const auto& cert = *issued;
        s_.out.info("certificate written as " + cert_);
        s_.out.info("the key '" + label_ + "' on the token '" + token_->label() + "' is the new key");
        s_.out.info("previous pair kept as '" + previous() + "' and " + cert_prev());
        if (s_.opts.store_cert) {
            if (auto stored = store_on_token(*fresh, cert); !stored)
                return s_.out.finish(stored.error());
            s_.out.info("certificate stored on the token beside the key");
        }
        report_renewed(s_, cert, previous_cert, {cert_, label_, cert_prev(), previous()});
        return s_.out.finish(0);
    }

    session& s_;
    const std::string& challenge_;
    std::shared_ptr<keys::token> token_;
    std::string label_;
    std::string cert_;
};

} // namespace

int run_token_renewal(session& s, const std::string& challenge)
{
    return token_renewal(s, challenge).run();
}

} // namespace ascep::cli
