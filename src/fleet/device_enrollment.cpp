// One device of a fleet run, from its key to its certificate: the
// journal records it leaves behind, its retries and backoff, and where a
// PENDING device is parked until its next poll.
#include "fleet/fleet_run.hpp"

#include "ascep/enroll.hpp"
#include "engine/prepare_with_key_ops.hpp"
#include "fleet/device_files.hpp"
#include "fleet/offload.hpp"
#include "io/durable_file.hpp"
#include "io/duration.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <botan/hex.h>

#include <algorithm>

namespace ascep::fleet::detail {

void fleet_run::record(journal_record r)
{
    // In order, off the loop: one strand of the disk pool does every append.
    // Records that arrive while it syncs wait in unsynced_ and go out
    // together, with one fdatasync (group commit): with many requests in
    // flight a slow disk does not become the fleet's pace.
    const std::lock_guard<std::mutex> lock(journal_mutex_);
    unsynced_.push_back(std::move(r));
    if (flush_posted_)
        return;
    flush_posted_ = true;
    asio::post(journal_strand_, [this] { flush_journal(); });
}

void fleet_run::flush_journal()
{
    std::vector<journal_record> batch;
    {
        const std::lock_guard<std::mutex> lock(journal_mutex_);
        batch.swap(unsynced_);
        flush_posted_ = false;
    }
    std::error_code code;
    if (auto e = journal_->append(batch, &code)) {
        {
            const std::lock_guard<std::mutex> lock(journal_mutex_);
            if (!journal_error_.empty())
                return;
            journal_error_ = *e;
            journal_error_code_ = code;
        }
        // A journal that cannot be written is the disk's fault like any
        // other write into --out: stop the same way. When the loop has
        // ended already, run() finds journal_error_code_ instead.
        if (io::is_local_fault(code)) {
            stop_flag_ = true; // the key generations queued now are skipped
            asio::post(ioc_, [this, code, why = *e] { stop_for_local_fault(code, why); });
        }
    }
}

void fleet_run::finish_device(const device& d, std::string_view status, const std::string& tid,
                              const std::string& detail, unsigned messages, unsigned retries,
                              clock::time_point started, std::string_view old_serial, std::string_view not_after)
{
    const auto duration = ms_since(started);
    progress_.event({d.id, status, tid, detail, messages, duration, old_serial, not_after});
    if (!settings_.report_file.empty())
        report_.push_back({d.id, std::string(status), tid, detail, messages, retries, duration,
                           std::string(old_serial), std::string(not_after)});
}

void fleet_run::interrupted(const device& d, const std::string& tid, unsigned messages, const std::string& detail)
{
    ++progress_.counts.interrupted;
    progress_.event({d.id, "interrupted", tid, detail, messages, -1});
}

void fleet_run::local_fault_on_device(const device& d, const std::string& tid, unsigned messages,
                                      const std::error_code& code, const std::string& why)
{
    // Not `failed`: the CA refused nothing. The journal keeps the device's
    // last record (`requested` once a request left), so the re-run sends
    // the same request again and the CA answers with what it issued.
    stop_for_local_fault(code, why);
    interrupted(d, tid, messages, why);
}

asio::awaitable<bool> fleet_run::backoff(device_slot& slot, unsigned step)
{
    // Exponential with full jitter (half to all of the step), so that a
    // fleet knocked back by one outage does not come back in lockstep.
    const auto base = settings_.backoff_base.count() << std::min(step, 20u);
    const auto capped = std::min<std::int64_t>(base, settings_.backoff_cap.count());
    std::uniform_int_distribution<std::int64_t> pick(capped / 2, std::max<std::int64_t>(capped, 1));
    asio::steady_timer timer(ioc_, std::chrono::milliseconds(pick(jitter_)));
    slot.waiting = true;
    ++progress_.counts.waiting;
    const auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    slot.waiting = false;
    --progress_.counts.waiting;
    co_return !ec && !stopping_;
}

void fleet_run::fail_device(const device& d, const std::string& tid, const std::string& why, const device_progress& st)
{
    ++progress_.counts.failed;
    record({d.id, device_state::failed, tid, why, st.messages, unix_ms()});
    finish_device(d, "failed", tid, why, st.messages, st.retries, st.started);
}

asio::awaitable<void> fleet_run::start_device(device d, device_slot& slot)
{
    // A cancelled wait must not make every later co_await throw: the device
    // still has to write down where it stopped.
    co_await asio::this_coro::throw_if_cancelled(false);
    device_progress st;
    st.started = clock::now();
    st.transient_left = settings_.retries;
    st.failures_left = settings_.retry_failures;
    const auto found = journal_->replayed().find(d.id);
    const journal_record* prior = found ? &*found : nullptr;
    auto& counts = progress_.counts;

    // An interrupted renewal's swap is completed here, in every run, before
    // key.pem and cert.pem are looked at.
    auto look = [&d, paths = paths_for(settings_.out_dir, d.id)] { return look_at_device(d, paths); };
    const auto disk = co_await async_offload(disk_, std::move(look));
    if (!disk.error.empty()) {
        fail_device(d, prior ? prior->transaction_id : "", disk.error, st);
        co_return;
    }
    if (prior != nullptr && (prior->state == device_state::pending || prior->state == device_state::renewal_pending))
        st.pending_since = prior->pending_since != 0 ? prior->pending_since : prior->time_ms / 1000;
    // The expiry metrics: the journal's notAfter (seed_metrics) gives way to
    // the certificate on disk.
    const bool seeded = prior != nullptr && prior->not_after != 0 &&
                        (prior->state == device_state::issued || prior->state == device_state::renewed);
    if (disk.issued) {
        st.held_not_after = not_after_seconds(disk.replaced ? *disk.replaced : *disk.issued);
        certificate_changed(seeded ? prior->not_after : 0, st.held_not_after);
    } else if (seeded) {
        certificate_changed(prior->not_after, 0);
    }
    if (disk.replaced && disk.issued) {
        renewed(d, prior ? prior->transaction_id : "", Botan::hex_encode(disk.replaced->serial_number()),
                *disk.issued, st);
        co_return;
    }
    const auto& issued_before = disk.issued;
    // A renewal under way (key.new.pem, a renewing or renewal_pending
    // record) is continued by every run, --renew-within or not.
    const bool renewal_under_way =
        issued_before && next_renewal_step(disk.files, prior ? std::optional(prior->state) : std::nullopt) !=
                             renewal_step::none &&
        !(prior != nullptr && prior->state == device_state::failed);
    if (issued_before && (settings_.renew_within || renewal_under_way)) {
        // A named local, not a co_await inside &&: STYLE.md §8 (g++ 12 and conditional co_await).
        const bool renewing = co_await maybe_renew(d, st, prior, disk, slot);
        if (renewing)
            co_return;
    }
    if (issued_before) {
        ++counts.issued;
        ++counts.already;
        const auto serial = Botan::hex_encode(issued_before->serial_number());
        const bool known = prior != nullptr &&
                           (prior->state == device_state::issued || prior->state == device_state::renewed);
        // A journal of an older version has no notAfter: one line per device,
        // once, so that fleet status need not read cert.pem again.
        if (!known || prior->not_after == 0) {
            journal_record r{d.id, known ? prior->state : device_state::issued, prior ? prior->transaction_id : "",
                             serial, 0, unix_ms()};
            r.not_after = not_after_seconds(*issued_before);
            record(std::move(r));
        }
        finish_device(d, "skipped", prior ? prior->transaction_id : "", serial, 0, 0, st.started);
        co_return;
    }
    if (prior != nullptr && prior->state == device_state::failed && !settings_.retry_failed) {
        ++counts.failed;
        finish_device(d, "failed", prior->transaction_id,
                      prior->detail + " (in an earlier run; --retry-failed tries again)", 0, 0, st.started);
        co_return;
    }
    if (stopping_) {
        interrupted(d, {}, 0);
        co_return;
    }
    const bool resume = prior != nullptr && prior->state == device_state::pending;
    // No record but a csr.pem for the key: an earlier run's `requested`
    // record was lost (a full disk); that request may have reached the CA,
    // so it is sent again as it was.
    const bool reuse_csr = prior == nullptr || prior->state != device_state::failed;
    std::string tid = prior != nullptr ? prior->transaction_id : std::string();
    co_await enroll_device(std::move(d), st, resume, reuse_csr, std::move(tid), {}, {}, slot);
}

asio::awaitable<void> fleet_run::poll_device(parked_device p, device_slot& slot)
{
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await enroll_device(std::move(p.row), p.progress, true, true, std::move(p.transaction_id),
                           std::move(p.signer), std::move(p.renewal_of), slot);
}

asio::awaitable<void> fleet_run::enroll_device(device d, device_progress st, bool resume, bool reuse_csr,
                                               std::string tid, std::vector<std::uint8_t> signer_der,
                                               std::string renewal_of, device_slot& slot)
{
    const bool renewal = !renewal_of.empty();
    const auto paths = paths_for(settings_.out_dir, d.id);
    auto& counts = progress_.counts;
    // Between polls nothing of the device is held but its parked record, so
    // the key and the request are read again. A key that vanished while its
    // request is PENDING (in this run or an earlier one) must not be
    // replaced by a new one: the CA would issue for the old.
    const bool polling = !signer_der.empty();
    // Queued key generations are skipped once a signal came: the run must
    // not wait for a thousand RSA keys before it can stop.
    // A device polled again in this run usually finds its loaded key, its
    // private operation and its request in key_cache_: no file is read and
    // no key decoded (the check that key.pem still exists stays).
    std::optional<cached_key> cached;
    if (polling)
        cached = key_cache_.take(d.id);
    auto make_material = [&d, &paths, bits = settings_.key_bits, &challenge = settings_.challenge,
                          pass = settings_.key_pass.get(), reuse_csr,
                          polling, pending_before = resume, stop = &stop_flag_, cached = std::move(cached)] {
        if (stop->load())
            return device_material{};
        if ((polling || pending_before) && d.key_file.empty() && !io::file_exists(paths.key)) {
            device_material gone;
            gone.error = paths.key + (polling ? " disappeared while the device waited to poll"
                                              : " is missing, but an earlier run's request for it is PENDING at "
                                                "the CA; a new key would not be what the CA issues");
            return gone;
        }
        if (cached) {
            device_material m;
            m.key_ops = cached->key_ops;
            m.csr = cached->csr;
            return m;
        }
        auto m = prepare_material(d, paths, bits, challenge, reuse_csr, pass);
        // A full disk stops the next key on this pool from being made at
        // once, before the loop hears of it: no key is made for nothing.
        if (io::is_local_fault(m.write_error))
            stop->store(true);
        return m;
    };
    device_material material;
    if (renewal)
        material = co_await renewal_material(d, paths, polling || resume || !tid.empty());
    else
        material = co_await async_offload(crypto_, std::move(make_material));
    // No key and no error: the stop flag skipped the work (a signal, a full disk).
    const bool skipped = material.error.empty() && !material.key && !material.key_ops;
    if (skipped || (stopping_ && material.error.empty())) {
        interrupted(d, tid, st.messages);
        co_return;
    }
    if (!material.error.empty()) {
        if (io::is_local_fault(material.write_error))
            local_fault_on_device(d, tid, st.messages, material.write_error, material.error);
        else
            fail_device(d, tid, material.error, st);
        co_return;
    }

    std::optional<Botan::X509_Certificate> signer;
    if (polling) {
        try {
            signer.emplace(signer_der);
        } catch (const std::exception&) {
            // Ours, made in this run: cannot happen; a new one signs as well.
        }
        signer_der = {};
    }
    for (unsigned step = 0;; ++step) {
        if (stopping_) {
            interrupted(d, tid, st.messages);
            co_return;
        }
        // The request lives only until the plan is made. Each call of the
        // engine sends one message (max_poll_count 1): the fleet keeps the
        // poll limits itself and parks the device between polls.
        std::optional<ascep::enroll_plan> plan;
        std::string why;
        {
            ascep::enroll_request req;
            if (!material.key_ops)
                req.key = material.key;
            req.csr = material.csr;
            req.ca_certificates = ca_certs_;
            req.encryption_cert = settings_.encryption_cert;
            req.capabilities = caps_;
            req.cipher = settings_.cipher;
            req.digest = settings_.digest;
            req.use_post = settings_.use_post;
            req.self_signed = signer;
            req.old_key = material.old_key;
            req.old_cert = material.old_cert;
            req.max_poll_count = 1;
            req.resume = resume;
            plan = engine::prepare_enrollment(req, material.key_ops, rng_, why);
        }
        if (!plan) {
            fail_device(d, tid, why, st);
            co_return;
        }
        if (!tid.empty() && resume && plan->transaction_id() != tid) {
            fail_device(d, tid, "the key changed while the request was PENDING (transactionID " +
                                    plan->transaction_id() + ")", st);
            co_return;
        }
        signer = plan->signer_certificate();
        tid = plan->transaction_id();
        if (!resume)
            record({d.id, renewal ? device_state::renewing : device_state::requested, tid, {}, st.messages,
                    unix_ms()});
        if (!st.first_sent)
            st.first_sent = clock::now();

        const auto operation = resume ? "CertPoll" : plan->renewal() ? "RenewalReq" : "PKCSReq";
        const auto sent_at = clock::now();
        const auto r = co_await ascep::async_enroll(*client_, *plan, rng_);
        count_request(operation, r, sent_at);
        st.messages += r.messages_sent;
        st.request_messages += r.messages_sent;
        plan.reset();

        if (r.status != ascep::enroll_status::error) {
            // The CA answered: a later outage gets the whole --retry-for.
            st.outage_since.reset();
            st.outage_retries = 0;
        }
        switch (r.status) {
        case ascep::enroll_status::issued: {
            if (renewal) {
                co_await install_renewal(d, tid, r, st, renewal_of);
                co_return;
            }
            std::vector<Botan::X509_Certificate> chain = r.chain.empty() ? ca_chain_ : r.chain;
            struct write_result {
                std::string error;
                std::error_code code;
            };
            auto write = [&paths, cert = *r.certificate, chain = std::move(chain), stop = &stop_flag_] {
                write_result w;
                w.error = write_issued(paths, cert, chain, w.code);
                if (io::is_local_fault(w.code))
                    stop->store(true);
                return w;
            };
            const auto written = co_await async_offload(disk_, std::move(write));
            if (!written.error.empty()) {
                if (io::is_local_fault(written.code))
                    local_fault_on_device(d, tid, st.messages, written.code, "issued, but " + written.error);
                else
                    fail_device(d, tid, "issued, but " + written.error, st);
                co_return;
            }
            const auto serial = Botan::hex_encode(r.certificate->serial_number());
            ++counts.issued;
            ++counts.issued_now;
            journal_record issued{d.id, device_state::issued, tid, serial, st.messages, unix_ms()};
            issued.not_after = not_after_seconds(*r.certificate);
            certificate_changed(st.held_not_after, issued.not_after);
            record(std::move(issued));
            finish_device(d, "issued", tid, serial, st.messages, st.retries, st.started);
            co_return;
        }
        case ascep::enroll_status::pending: {
            const auto pending_state = renewal ? device_state::renewal_pending : device_state::pending;
            resume = true;
            if (!st.told_pending) {
                // From now on a re-run polls (CertPoll) instead of asking again.
                st.told_pending = true;
                if (st.pending_since == 0)
                    st.pending_since = unix_ms() / 1000;
                journal_record p{d.id, pending_state, tid, {}, 0, unix_ms()};
                p.pending_since = st.pending_since;
                record(std::move(p));
                progress_.event({d.id, "pending", tid, {}, 0, -1});
            }
            if (stopping_) {
                interrupted(d, tid, st.messages);
                co_return;
            }
            const auto now = clock::now();
            const auto wait = next_poll_in(st, settings_.poll_interval, settings_.max_poll_time,
                                           settings_.max_poll_count, now);
            if (!wait) {
                ++counts.pending;
                journal_record p{d.id, pending_state, tid, "still PENDING at the poll limits", st.messages, unix_ms()};
                p.pending_since = st.pending_since;
                record(std::move(p));
                finish_device(d, "pending", tid, "still PENDING at the poll limits", st.messages, st.retries,
                              st.started);
                co_return;
            }
            // A renewal reads its pair again at each poll (renewal_material);
            // the cache holds what an enrollment's poll would read.
            if (!renewal)
                key_cache_.put(d.id, {material.key_ops, material.csr});
            parked_.park(now + *wait, {std::move(d), std::move(tid), signer->BER_encode(), st, std::move(renewal_of)});
            ++counts.waiting;
            wake_.cancel(); // the dispatcher may have to wake earlier now
            co_return;
        }
        case ascep::enroll_status::rejected: {
            std::string reason = "the CA answered FAILURE";
            if (r.fail_info)
                reason += ": failInfo " + r.fail_info_name;
            if (r.fail_info_text)
                reason += " (" + *r.fail_info_text + ")";
            if (st.failures_left > 0) {
                --st.failures_left;
                ++st.retries;
                metrics_.retry("failure");
                progress_.event({d.id, "retry", tid, reason, st.messages, -1});
                if (!co_await backoff(slot, step)) {
                    interrupted(d, tid, st.messages);
                    co_return;
                }
                resume = false; // a fresh PKCSReq, with its own poll limits
                st.request_messages = 0;
                st.first_sent.reset();
                continue;
            }
            fail_device(d, tid, reason, st);
            co_return;
        }
        case ascep::enroll_status::error:
            if (stopping_) {
                interrupted(d, tid, st.messages);
                co_return;
            }
            if (r.transient) {
                // Retried for a time, not a count: a CA that restarts now
                // and then costs no device (--retry-for, per outage).
                const auto now = clock::now();
                if (!st.outage_since)
                    st.outage_since = now;
                const bool in_time = now - *st.outage_since < settings_.retry_for;
                if (in_time && st.transient_left > 0) {
                    --st.transient_left;
                    ++st.retries;
                    metrics_.retry("transient");
                    progress_.event({d.id, "retry", tid, r.error->text, st.messages, -1});
                    if (!co_await backoff(slot, st.outage_retries++)) {
                        interrupted(d, tid, st.messages);
                        co_return;
                    }
                    continue;
                }
                const auto gave_up = in_time ? " (--retries " + std::to_string(settings_.retries) + " used up)"
                                             : " (retried for " + io::describe_duration(settings_.retry_for) + ")";
                fail_device(d, tid, r.error->text + gave_up, st);
                co_return;
            }
            fail_device(d, tid, r.error->text, st);
            co_return;
        }
    }
}

} // namespace ascep::fleet::detail
