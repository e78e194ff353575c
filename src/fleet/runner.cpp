#include "fleet/runner.hpp"

#include "asn1/rfc4514.hpp"
#include "engine/client_impl.hpp"
#include "fleet/device_files.hpp"
#include "fleet/fleet_run.hpp"
#include "fleet/run_files.hpp"
#include "io/durable_file.hpp"
#include "scep/ca_roles.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <botan/hash.h>
#include <botan/hex.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <future>
#include <thread>
#include <unordered_set>

namespace ascep::fleet {
namespace detail {
namespace {

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

} // namespace

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

fleet_run::fleet_run(const fleet_settings& s)
    : settings_(s),
      crypto_(crypto_threads_for(s)),
      disk_(2), journal_strand_(asio::make_strand(disk_)), wake_(ioc_), ticker_(ioc_), grace_(ioc_),
      signals_(ioc_), progress_(s, 0), jitter_(std::random_device{}()), window_(window_for(s)),
      metrics_({{"source", "run"}, {"dir", s.out_dir}}), metrics_timer_(ioc_)
{
}

fleet_run::~fleet_run()
{
    crypto_.join();
    disk_.join();
}

std::optional<setup_failure> fleet_run::check_inputs()
{
    run_started_ = unix_ms() / 1000;
    last_success_ = read_last_success(settings_.out_dir);
    auto check = check_manifest(settings_.manifest, settings_.shard);
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
    progress_.counts.total = check.shard_devices;
    if (!settings_.shard.whole())
        progress_.message("shard " + to_string(settings_.shard) + ": " + std::to_string(check.shard_devices) + " of the " +
                          std::to_string(check.devices) + " devices");

    // A wrong --key-pass (or none for encrypted keys) stops the run before
    // the journal or any key is written.
    if (auto bad = check_key_pass(settings_.out_dir, settings_.key_pass.get()); !bad.empty())
        return setup_failure{setup_failure::kind::file, {}, bad + "; nothing was sent or written"};
    std::string why;
    journal_ = journal::open(settings_.out_dir, why);
    if (!journal_)
        return setup_failure{setup_failure::kind::file, {}, why};
    // Under the journal's lock: two shards given one DIR one after the other
    // would mix their journals (and compact each other's devices away).
    if (auto refused = claim_shard(settings_.out_dir, settings_.shard); !refused.empty())
        return setup_failure{setup_failure::kind::file, {}, refused};
    // This run's devices: a shard's journal holds only its own.
    if (auto bad = compact_journal(check.shard_devices))
        return bad;
    seed_metrics();

    auto c = ascep::make_client(ioc_.get_executor(), settings_.client, why);
    if (!c)
        return setup_failure{setup_failure::kind::usage, {}, why};
    client_.emplace(std::move(*c));
    return std::nullopt;
}

std::optional<setup_failure> fleet_run::compact_journal(std::uint64_t devices)
{
    // Devices the journal knows but the manifest no longer lists keep their
    // line too: count them, or every run would rewrite the file for nothing.
    devices = std::max<std::uint64_t>(devices, journal_->replayed().size());
    const auto before = journal_->records();
    if (before <= journal::compaction_ratio * devices)
        return std::nullopt;
    if (auto e = journal_->compact()) {
        if (journal_->broken()) // the rename happened, its durability is unknown
            return setup_failure{setup_failure::kind::file, {}, *e};
        progress_.message("warning: the journal was not compacted (" + *e + "); going on with it as it is");
    } else if (settings_.verbose) {
        progress_.message("journal compacted from " + std::to_string(before) + " to " +
                          std::to_string(journal_->records()) + " records");
    }
    return std::nullopt;
}

asio::awaitable<bool> fleet_run::retry_setup(const std::string& what, const ascep::call_error& e, unsigned step,
                                             clock::time_point started)
{
    // As a device's request is retried (backoff, --retry-for): one 503 or
    // dropped connection must not end a run of thousands before it begins.
    if (!e.transient || clock::now() - started >= settings_.retry_for)
        co_return false;
    const auto wait = std::min<std::int64_t>(settings_.backoff_base.count() << std::min(step, 20u),
                                             settings_.backoff_cap.count());
    progress_.message(what + " failed: " + e.text + "; trying again");
    asio::steady_timer timer(ioc_, std::chrono::milliseconds(wait));
    const auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !ec; // cancelled (SIGINT): the failure stands
}

asio::awaitable<std::optional<setup_failure>> fleet_run::async_setup()
{
    // GetCACaps and GetCACert once for the whole run.
    const auto started = clock::now();
    for (unsigned step = 0;; ++step) {
        const auto caps_started = clock::now();
        auto [caps, caps_error] = co_await ascep::async_get_capabilities(*client_);
        metrics_.request("GetCACaps", caps_error ? "error" : "ok",
                         std::chrono::duration<double>(clock::now() - caps_started).count());
        if (!caps_error) {
            caps_ = std::move(caps);
            break;
        }
        if (!co_await retry_setup("GetCACaps", *caps_error, step, started))
            co_return setup_failure{setup_failure::kind::network, caps_error->code,
                                    "GetCACaps failed: " + caps_error->text};
    }

    if (!settings_.ca_certificates.empty()) {
        ca_certs_ = settings_.ca_certificates;
    } else {
        for (unsigned step = 0;; ++step) {
            const auto ca_started = clock::now();
            auto [certs, ca_error] = co_await ascep::async_get_ca_certificates(*client_, settings_.ca_identifier);
            metrics_.request("GetCACert", ca_error ? "error" : "ok",
                             std::chrono::duration<double>(clock::now() - ca_started).count());
            if (!ca_error) {
                ca_certs_ = std::move(certs);
                break;
            }
            if (!co_await retry_setup("GetCACert", *ca_error, step, started))
                co_return setup_failure{setup_failure::kind::network, ca_error->code,
                                        "GetCACert failed: " + ca_error->text};
        }
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
                                "the CA certificate (" + asn1::rfc4514(roles->ca.subject_dn()) + ") has SHA-256 " +
                                    fingerprint + ", not the --ca-fingerprint " +
                                    normalized_hex(settings_.ca_fingerprint) + "; nothing was sent"};
    if (settings_.verbose) {
        progress_.message("CA " + asn1::rfc4514(roles->ca.subject_dn()) + ", SHA-256 " + fingerprint);
        for (std::size_t i = 0; i < ca_certs_.size(); ++i)
            progress_.message("  " + asn1::rfc4514(ca_certs_[i].subject_dn()) + ": " + roles->notes[i].role + " (" +
                              roles->notes[i].reason + ")");
    }
    co_return std::nullopt;
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
    if (reader)
        reader->only_shard(settings_.shard);
    // The check found no duplicate id, but the file may have changed since:
    // one device directory must never have two runs at once.
    std::unordered_set<std::string> started;
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
    auto start_new = [this, &reader, &more, &d, &started] {
        std::optional<manifest_problem> bad;
        while (more) {
            if (!reader->next(d, bad)) {
                more = false;
                break;
            }
            if (bad || !started.insert(d.id).second) // checked before the start: the file changed under us
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
        // With every slot taken a due poll cannot start anyway: wait for a
        // slot alone. (Waiting for a poll already due would return at once,
        // and the loop spun: two timerfd_settime calls a turn, most of the
        // fleet's CPU when the CA is slower than the poll interval.)
        const auto never = asio::steady_timer::time_point::max();
        wake_.expires_at(active_ < window_ ? parked_.next_due().value_or(never) : never);
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

void fleet_run::stop_for_local_fault(const std::error_code& code, const std::string& why)
{
    if (local_fault_)
        return;
    local_fault_ = code;
    local_fault_detail_ = why;
    if (settings_.verbose)
        progress_.message(why + ": stopping; requests in flight finish, no new device starts");
    if (stopping_)
        return;
    // As SIGINT, without its grace timer: what is in flight may finish (a
    // certificate that cannot be written is asked for again by the re-run),
    // queued requests and key generations are dropped, waits end.
    stopping_ = true;
    stop_flag_ = true;
    client_->internals().limiter.close();
    stop_waiting(false);
    wake_.cancel();
}

std::string fleet_run::local_fault_message() const
{
    const auto& c = progress_.counts;
    std::string where = settings_.out_dir;
    if (!where.ends_with('/'))
        where += '/';
    const auto left = c.total - std::min(c.total, c.issued + c.failed + c.pending);
    std::string text = where + ": " + local_fault_.message() + "; " + std::to_string(c.issued) + " issued, " +
                       std::to_string(left) + " not done";
    if (c.failed != 0)
        text += ", " + std::to_string(c.failed) + " failed";
    if (c.pending != 0)
        text += ", " + std::to_string(c.pending) + " pending";
    switch (local_fault_.value()) {
    case ENOSPC:
    case EDQUOT: text += "; free space"; break;
    case EIO: text += "; check the disk"; break;
    default: text += "; make it writable"; break;
    }
    return text + " and run the same command again";
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
    metrics_timer_.cancel();
    // What run() will decide, for the endpoint's final figures.
    if (!stopping_ && !local_fault_ && progress_.counts.failed == 0)
        last_success_ = unix_ms() / 1000;
    finish_metrics_server();
}

fleet_outcome fleet_run::run()
{
    fleet_outcome out;
    if (auto bad = check_inputs()) {
        out.failure = std::move(bad);
        write_final_metrics();
        return out;
    }

    std::optional<setup_failure> setup_problem;
    asio::co_spawn(ioc_, async_setup(), [&](std::exception_ptr e, std::optional<setup_failure> r) {
        if (e)
            std::rethrow_exception(e);
        setup_problem = std::move(r);
    });
    ioc_.run();
    if (!setup_problem)
        setup_problem = start_metrics_server();
    if (setup_problem) {
        out.failure = std::move(setup_problem);
        finished_ = true;
        write_final_metrics();
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
    if (!settings_.metrics_file.empty())
        asio::co_spawn(ioc_, metrics_loop(), asio::detached);
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
    {
        // The journal's own failure may have come after the loop ended.
        const std::lock_guard<std::mutex> lock(journal_mutex_);
        if (!local_fault_ && io::is_local_fault(journal_error_code_)) {
            local_fault_ = journal_error_code_;
            local_fault_detail_ = journal_error_;
        }
    }
    out.interrupted = stopping_ && !local_fault_;
    progress_.finish(stopping_ || local_fault_);
    {
        const std::lock_guard<std::mutex> lock(journal_mutex_);
        if (!journal_error_.empty() && !io::is_local_fault(journal_error_code_))
            progress_.message("warning: the journal could not be written (" + journal_error_ +
                              "); a re-run may repeat some requests");
    }
    if (local_fault_) {
        out.local_fault = local_fault_message();
        progress_.message(out.local_fault);
    }
    if (!settings_.report_file.empty()) {
        const auto error = write_report(settings_.report_file, c, report_, ms_since(start));
        if (!error.empty())
            progress_.message("cannot write the report: " + error);
    }
    out.exit_code = local_fault_ ? local_fault_exit_code : stopping_ ? 130 : c.failed != 0 ? 2 : c.pending != 0 ? 3 : 0;
    // Every device issued or still PENDING at the CA: what "the renewal run
    // is running" alerts watch (docs/operations.md).
    if (out.exit_code == 0 || out.exit_code == 3) {
        const auto now = unix_ms() / 1000;
        if (auto error = write_last_success(settings_.out_dir, now); !error.empty())
            progress_.message("cannot record the run's success: " + error);
        else
            last_success_ = now;
    } else {
        last_success_ = read_last_success(settings_.out_dir);
    }
    write_final_metrics();
    return out;
}

} // namespace detail

fleet_outcome run_fleet(const fleet_settings& settings)
{
    detail::fleet_run run(settings);
    return run.run();
}

} // namespace ascep::fleet
