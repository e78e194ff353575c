#include "fleet/runner.hpp"

#include "ascep/enroll.hpp"
#include "engine/client_impl.hpp"
#include "engine/prepare_with_key_ops.hpp"
#include "fleet/device_files.hpp"
#include "fleet/journal.hpp"
#include "fleet/manifest.hpp"
#include "fleet/offload.hpp"
#include "fleet/poll_queue.hpp"
#include "fleet/report.hpp"
#include "io/durable_file.hpp"
#include "scep/ca_roles.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <botan/auto_rng.h>
#include <botan/hash.h>
#include <botan/hex.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <future>
#include <list>
#include <mutex>
#include <random>
#include <thread>

namespace ascep::fleet {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

std::int64_t unix_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t ms_since(clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t).count();
}

std::string normalized_hex(std::string_view text)
{
    std::string out;
    for (char c : text)
        if (std::isxdigit(static_cast<unsigned char>(c)))
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string sha256_hex(const Botan::X509_Certificate& cert)
{
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    hash->update(cert.BER_encode());
    return Botan::hex_encode(hash->final_stdvec());
}

unsigned crypto_threads_for(const fleet_settings& s)
{
    return s.crypto_threads != 0 ? s.crypto_threads : std::max(1u, std::thread::hardware_concurrency());
}

/// How many devices are worked on at once (key generation, requests, backoff;
/// not those parked between polls): enough to keep every permit of
/// --concurrency and every crypto thread busy, few enough that keys are made
/// just ahead of the requests that need them and memory stays flat.
std::size_t window_for(const fleet_settings& s)
{
    if (s.max_active != 0)
        return s.max_active;
    return std::max<std::size_t>(64, 4 * (std::size_t{s.client.max_in_flight} + crypto_threads_for(s)));
}

/// One device being worked on: its cancellation (SIGINT ends its waits) and
/// whether it is now waiting out a backoff rather than talking. A device
/// waiting to poll has no slot: it is parked in the poll_queue.
struct device_slot {
    asio::cancellation_signal cancel;
    bool waiting = false;
};

class fleet_run {
public:
    explicit fleet_run(const fleet_settings& s)
        : settings_(s),
          crypto_(crypto_threads_for(s)),
          disk_(2), journal_strand_(asio::make_strand(disk_)), wake_(ioc_), ticker_(ioc_), grace_(ioc_),
          signals_(ioc_), progress_(s, 0), jitter_(std::random_device{}()), window_(window_for(s))
    {
    }

    ~fleet_run()
    {
        crypto_.join();
        disk_.join();
    }

    fleet_outcome run();

private:
    std::optional<setup_failure> check_inputs();
    asio::awaitable<std::optional<setup_failure>> async_setup();
    asio::awaitable<void> dispatch();
    std::list<device_slot>::iterator new_slot();
    void launch(std::list<device_slot>::iterator slot, asio::awaitable<void> task);
    asio::awaitable<void> start_device(device d, device_slot& slot);
    asio::awaitable<void> poll_device(parked_device p, device_slot& slot);
    asio::awaitable<void> enroll_device(device d, device_progress st, bool resume, bool reuse_csr, std::string tid,
                                        std::vector<std::uint8_t> signer_der, device_slot& slot);
    void fail_device(const device& d, const std::string& tid, const std::string& why, const device_progress& st);
    asio::awaitable<void> tick();
    asio::awaitable<bool> backoff(device_slot& slot, unsigned step);
    void on_signal(const boost::system::error_code& ec, int signo);
    void stop_waiting(bool everyone);
    void maybe_finish();
    void record(journal_record r);
    void flush_journal();
    void finish_device(const device& d, std::string_view status, const std::string& tid, const std::string& detail,
                       unsigned messages, unsigned retries, clock::time_point started);
    void interrupted(const device& d, const std::string& tid, unsigned messages);

    const fleet_settings& settings_;
    asio::io_context ioc_;
    asio::thread_pool crypto_;
    asio::thread_pool disk_;
    asio::strand<asio::thread_pool::executor_type> journal_strand_;
    asio::steady_timer wake_;
    asio::steady_timer ticker_;
    asio::steady_timer grace_;
    asio::signal_set signals_;
    progress progress_;
    std::mt19937_64 jitter_;
    Botan::AutoSeeded_RNG rng_; // the loop's; worker threads have their own

    std::optional<journal> journal_;
    std::optional<ascep::client> client_;
    std::vector<Botan::X509_Certificate> ca_certs_;
    std::vector<Botan::X509_Certificate> ca_chain_; // issuing CA up to the root: chain.pem when a reply names none
    std::vector<std::string> caps_;

    std::list<device_slot> slots_;
    std::size_t active_ = 0;      // devices with a slot: being worked on
    const std::size_t window_;    // at most this many at once
    poll_queue parked_;           // PENDING, waiting to poll
    bool dispatch_done_ = false;
    bool stopping_ = false;
    std::atomic<bool> stop_flag_{false}; // stopping_, for the worker threads
    bool finished_ = false;
    int signals_seen_ = 0;

    std::mutex journal_mutex_; // guards the three below: the loop and the journal strand share them
    std::vector<journal_record> unsynced_;
    bool flush_posted_ = false;
    std::string journal_error_;
    std::vector<report_entry> report_;
};

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
    if (auto e = journal_->append(batch)) {
        const std::lock_guard<std::mutex> lock(journal_mutex_);
        if (journal_error_.empty())
            journal_error_ = *e;
    }
}

void fleet_run::finish_device(const device& d, std::string_view status, const std::string& tid,
                              const std::string& detail, unsigned messages, unsigned retries,
                              clock::time_point started)
{
    const auto duration = ms_since(started);
    progress_.event({d.id, status, tid, detail, messages, duration});
    if (!settings_.report_file.empty())
        report_.push_back({d.id, std::string(status), tid, detail, messages, retries, duration});
}

void fleet_run::interrupted(const device& d, const std::string& tid, unsigned messages)
{
    ++progress_.counts.interrupted;
    progress_.event({d.id, "interrupted", tid, {}, messages, -1});
}

std::optional<setup_failure> fleet_run::check_inputs()
{
    auto check = check_manifest(settings_.manifest);
    if (!check.problems.empty()) {
        std::string first;
        for (const auto& p : check.problems) {
            const auto text = p.line != 0 ? settings_.manifest + " line " + std::to_string(p.line) + ": " + p.message
                                          : settings_.manifest + ": " + p.message;
            if (first.empty())
                first = text;
            else
                progress_.message(text);
        }
        const auto n = check.problems.size();
        return setup_failure{setup_failure::kind::file, {},
                             first + (n > 1 ? " (and " + std::to_string(n - 1) + " more problems above)" : "") +
                                 "; nothing was sent"};
    }
    progress_.counts.total = check.devices;

    std::string why;
    journal_ = journal::open(settings_.out_dir, why);
    if (!journal_)
        return setup_failure{setup_failure::kind::file, {}, why};

    auto c = ascep::make_client(ioc_.get_executor(), settings_.client, why);
    if (!c)
        return setup_failure{setup_failure::kind::usage, {}, why};
    client_.emplace(std::move(*c));
    return std::nullopt;
}

asio::awaitable<std::optional<setup_failure>> fleet_run::async_setup()
{
    // GetCACaps and GetCACert once for the whole run.
    auto [caps, caps_error] = co_await ascep::async_get_capabilities(*client_);
    if (caps_error)
        co_return setup_failure{setup_failure::kind::network, caps_error->code, "GetCACaps failed: " + caps_error->text};
    caps_ = std::move(caps);

    if (!settings_.ca_certificates.empty()) {
        ca_certs_ = settings_.ca_certificates;
    } else {
        auto [certs, ca_error] = co_await ascep::async_get_ca_certificates(*client_, settings_.ca_identifier);
        if (ca_error)
            co_return setup_failure{setup_failure::kind::network, ca_error->code, "GetCACert failed: " + ca_error->text};
        ca_certs_ = std::move(certs);
    }
    // The same selection each device's enrollment makes: a set that leaves
    // a role open stops the run here, once, rather than fail every device.
    const auto roles = scep::select_ca_roles(
        ca_certs_, settings_.encryption_cert ? &*settings_.encryption_cert : nullptr);
    if (!roles)
        co_return setup_failure{setup_failure::kind::file, {}, roles.error().text};
    ca_chain_ = roles->chain;
    const auto fingerprint = sha256_hex(roles->ca);
    if (!settings_.ca_fingerprint.empty() && normalized_hex(settings_.ca_fingerprint) != fingerprint)
        co_return setup_failure{setup_failure::kind::untrusted, {},
                                "the CA certificate (" + roles->ca.subject_dn().to_string() + ") has SHA-256 " +
                                    fingerprint + ", not the --ca-fingerprint " +
                                    normalized_hex(settings_.ca_fingerprint) + "; nothing was sent"};
    if (settings_.verbose) {
        progress_.message("CA " + roles->ca.subject_dn().to_string() + ", SHA-256 " + fingerprint);
        for (std::size_t i = 0; i < ca_certs_.size(); ++i)
            progress_.message("  " + ca_certs_[i].subject_dn().to_string() + ": " + roles->notes[i].role + " (" +
                              roles->notes[i].reason + ")");
    }
    co_return std::nullopt;
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
    const auto& replayed = journal_->replayed();
    const auto found = replayed.find(d.id);
    const journal_record* prior = found == replayed.end() ? nullptr : &found->second;
    auto& counts = progress_.counts;

    auto look_for_cert = [paths = paths_for(settings_.out_dir, d.id)] { return issued_certificate(paths); };
    const auto issued_before = co_await async_offload(disk_, std::move(look_for_cert));
    if (issued_before) {
        ++counts.issued;
        ++counts.already;
        const auto serial = Botan::hex_encode(issued_before->serial_number());
        if (prior == nullptr || prior->state != device_state::issued)
            record({d.id, device_state::issued, prior ? prior->transaction_id : "", serial, 0, unix_ms()});
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
    const bool reuse_csr = prior != nullptr && prior->state != device_state::failed;
    std::string tid = prior != nullptr ? prior->transaction_id : std::string();
    co_await enroll_device(std::move(d), st, resume, reuse_csr, std::move(tid), {}, slot);
}

asio::awaitable<void> fleet_run::poll_device(parked_device p, device_slot& slot)
{
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await enroll_device(std::move(p.row), p.progress, true, true, std::move(p.transaction_id),
                           std::move(p.signer), slot);
}

asio::awaitable<void> fleet_run::enroll_device(device d, device_progress st, bool resume, bool reuse_csr,
                                               std::string tid, std::vector<std::uint8_t> signer_der,
                                               device_slot& slot)
{
    const auto paths = paths_for(settings_.out_dir, d.id);
    auto& counts = progress_.counts;
    // Between polls nothing of the device is held but its parked record, so
    // the key and the request are read again. A key that vanished while its
    // request is PENDING (in this run or an earlier one) must not be
    // replaced by a new one: the CA would issue for the old.
    const bool polling = !signer_der.empty();
    // Queued key generations are skipped once a signal came: the run must
    // not wait for a thousand RSA keys before it can stop.
    auto make_material = [&d, &paths, bits = settings_.key_bits, &challenge = settings_.challenge, reuse_csr,
                          polling, pending_before = resume, stop = &stop_flag_] {
        if (stop->load())
            return device_material{};
        if ((polling || pending_before) && d.key_file.empty() && !io::file_exists(paths.key)) {
            device_material gone;
            gone.error = paths.key + (polling ? " disappeared while the device waited to poll"
                                              : " is missing, but an earlier run's request for it is PENDING at "
                                                "the CA; a new key would not be what the CA issues");
            return gone;
        }
        return prepare_material(d, paths, bits, challenge, reuse_csr);
    };
    const auto material = co_await async_offload(crypto_, std::move(make_material));
    if (stopping_ && material.error.empty()) {
        interrupted(d, tid, st.messages);
        co_return;
    }
    if (!material.error.empty()) {
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
            req.key = material.key;
            req.csr = material.csr;
            req.ca_certificates = ca_certs_;
            req.encryption_cert = settings_.encryption_cert;
            req.capabilities = caps_;
            req.cipher = settings_.cipher;
            req.digest = settings_.digest;
            req.use_post = settings_.use_post;
            req.self_signed = signer;
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
            record({d.id, device_state::requested, tid, {}, st.messages, unix_ms()});
        if (!st.first_sent)
            st.first_sent = clock::now();

        const auto r = co_await ascep::async_enroll(*client_, *plan, rng_);
        st.messages += r.messages_sent;
        st.request_messages += r.messages_sent;
        plan.reset();

        switch (r.status) {
        case ascep::enroll_status::issued: {
            std::vector<Botan::X509_Certificate> chain = r.chain.empty() ? ca_chain_ : r.chain;
            auto write = [&paths, cert = *r.certificate, chain = std::move(chain)] {
                return write_issued(paths, cert, chain);
            };
            const auto error = co_await async_offload(disk_, std::move(write));
            if (!error.empty()) {
                fail_device(d, tid, "issued, but " + error, st);
                co_return;
            }
            const auto serial = Botan::hex_encode(r.certificate->serial_number());
            ++counts.issued;
            ++counts.issued_now;
            record({d.id, device_state::issued, tid, serial, st.messages, unix_ms()});
            finish_device(d, "issued", tid, serial, st.messages, st.retries, st.started);
            co_return;
        }
        case ascep::enroll_status::pending: {
            resume = true;
            if (!st.told_pending) {
                // From now on a re-run polls (CertPoll) instead of asking again.
                st.told_pending = true;
                record({d.id, device_state::pending, tid, {}, 0, unix_ms()});
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
                record({d.id, device_state::pending, tid, "still PENDING at the poll limits", st.messages, unix_ms()});
                finish_device(d, "pending", tid, "still PENDING at the poll limits", st.messages, st.retries,
                              st.started);
                co_return;
            }
            parked_.park(now + *wait, {std::move(d), std::move(tid), signer->BER_encode(), st});
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
            if (r.transient && st.transient_left > 0) {
                --st.transient_left;
                ++st.retries;
                progress_.event({d.id, "retry", tid, r.error->text, st.messages, -1});
                if (!co_await backoff(slot, step)) {
                    interrupted(d, tid, st.messages);
                    co_return;
                }
                continue;
            }
            fail_device(d, tid, r.error->text, st);
            co_return;
        }
    }
}

std::list<device_slot>::iterator fleet_run::new_slot()
{
    ++active_;
    slots_.emplace_back();
    return std::prev(slots_.end());
}

void fleet_run::launch(std::list<device_slot>::iterator it, asio::awaitable<void> task)
{
    auto done = [this, it](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                progress_.message(std::string("internal error in a device task: ") + ex.what());
            }
        }
        slots_.erase(it);
        --active_;
        wake_.cancel();
        maybe_finish();
    };
    asio::co_spawn(ioc_, std::move(task), asio::bind_cancellation_slot(it->cancel.slot(), std::move(done)));
}

asio::awaitable<void> fleet_run::dispatch()
{
    manifest_problem problem;
    auto reader = manifest_reader::open(settings_.manifest, problem);
    if (!reader)
        progress_.message(settings_.manifest + ": " + problem.message);
    bool more = reader.has_value();
    device d;
    auto start_poll = [this] {
        auto due = parked_.take_due(clock::now());
        if (!due)
            return false;
        --progress_.counts.waiting;
        const auto it = new_slot();
        launch(it, poll_device(std::move(*due), *it));
        return true;
    };
    auto start_new = [this, &reader, &more, &d] {
        std::optional<manifest_problem> bad;
        while (more) {
            if (!reader->next(d, bad)) {
                more = false;
                break;
            }
            if (bad) // checked before the start: the file changed under us
                continue;
            const auto it = new_slot();
            launch(it, start_device(std::move(d), *it));
            return true;
        }
        return false;
    };
    bool poll_first = true;
    for (;;) {
        // Due polls and new devices take turns for free slots: a CA too slow
        // for the poll interval delays polls, it does not starve new devices.
        while (!stopping_ && active_ < window_) {
            const bool started = poll_first ? start_poll() || start_new() : start_new() || start_poll();
            if (!started)
                break;
            poll_first = !poll_first;
        }
        if (stopping_ || (!more && active_ == 0 && parked_.empty()))
            break;
        // Woken by the next due poll, a device leaving its slot, or a signal.
        wake_.expires_at(parked_.next_due().value_or(asio::steady_timer::time_point::max()));
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    // Stopped: the parked devices stay PENDING at the CA; a re-run polls them.
    for (const auto& p : parked_.take_all()) {
        --progress_.counts.waiting;
        interrupted(p.row, p.transaction_id, p.progress.messages);
    }
    dispatch_done_ = true;
    maybe_finish();
}

asio::awaitable<void> fleet_run::tick()
{
    const auto every = settings_.progress == progress_style::automatic ? std::chrono::milliseconds(250)
                                                                      : std::chrono::milliseconds(1000);
    while (!finished_) {
        progress_.tick();
        ticker_.expires_after(every);
        co_await ticker_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

void fleet_run::stop_waiting(bool everyone)
{
    for (auto& slot : slots_)
        if (everyone || slot.waiting)
            slot.cancel.emit(asio::cancellation_type::terminal);
}

void fleet_run::on_signal(const boost::system::error_code& ec, int signo)
{
    if (ec)
        return;
    ++signals_seen_;
    if (!stopping_) {
        stopping_ = true;
        stop_flag_ = true;
        progress_.message(std::string(signo == SIGINT ? "SIGINT" : "SIGTERM") +
                          ": stopping; requests in flight get a moment to finish (again to stop at once)");
        // Start nothing new: queued requests fail, waits end, the dispatcher stops.
        client_->internals().limiter.close();
        stop_waiting(false);
        wake_.cancel();
        grace_.expires_after(settings_.grace);
        grace_.async_wait([this](const boost::system::error_code& e) {
            if (!e)
                stop_waiting(true);
        });
    } else {
        stop_waiting(true);
    }
    signals_.async_wait([this](const boost::system::error_code& e, int s) { on_signal(e, s); });
}

void fleet_run::maybe_finish()
{
    if (!dispatch_done_ || active_ != 0 || finished_)
        return;
    finished_ = true;
    ticker_.cancel();
    grace_.cancel();
    signals_.cancel();
    wake_.cancel();
}

fleet_outcome fleet_run::run()
{
    fleet_outcome out;
    if (auto bad = check_inputs()) {
        out.failure = std::move(bad);
        return out;
    }

    std::optional<setup_failure> setup_problem;
    asio::co_spawn(ioc_, async_setup(), [&](std::exception_ptr e, std::optional<setup_failure> r) {
        if (e)
            std::rethrow_exception(e);
        setup_problem = std::move(r);
    });
    ioc_.run();
    if (setup_problem) {
        out.failure = std::move(setup_problem);
        return out;
    }

    ioc_.restart();
    const auto start = clock::now();
    // Only now: before this point Ctrl-C simply ends the program (nothing
    // but GetCACaps and GetCACert has been sent).
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](const boost::system::error_code& e, int s) { on_signal(e, s); });
    asio::co_spawn(ioc_, dispatch(), asio::detached);
    asio::co_spawn(ioc_, tick(), asio::detached);
    ioc_.run();
    client_->internals().http.close_idle();

    // Every journal append queued so far is done once the strand drains.
    auto drained = [] { return true; };
    std::promise<bool> flushed;
    asio::post(journal_strand_, [&flushed, drained] { flushed.set_value(drained()); });
    flushed.get_future().wait();

    auto& c = progress_.counts;
    c.interrupted += c.total - std::min(c.total, c.issued + c.failed + c.pending + c.interrupted);
    out.counts = c;
    out.interrupted = stopping_;
    progress_.finish(stopping_);
    {
        const std::lock_guard<std::mutex> lock(journal_mutex_);
        if (!journal_error_.empty())
            progress_.message("warning: the journal could not be written (" + journal_error_ +
                              "); a re-run may repeat some requests");
    }
    if (!settings_.report_file.empty()) {
        const auto error = write_report(settings_.report_file, c, report_, ms_since(start));
        if (!error.empty())
            progress_.message("cannot write the report: " + error);
    }
    out.exit_code = stopping_ ? 130 : c.failed != 0 ? 2 : c.pending != 0 ? 3 : 0;
    return out;
}

} // namespace

fleet_outcome run_fleet(const fleet_settings& settings)
{
    fleet_run run(settings);
    return run.run();
}

} // namespace ascep::fleet
