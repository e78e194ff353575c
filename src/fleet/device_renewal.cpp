// What is renewal's own in a fleet run (--renew-within): which issued
// devices are due, the new key and the current pair that signs for it, and
// the swap once the CA issued. The request, its polls, retries and journal
// records are enrollment's (device_enrollment.cpp, with `renewal_of` set).
#include "fleet/fleet_run.hpp"

#include "asn1/rfc3339.hpp"
#include "fleet/offload.hpp"
#include "io/durable_file.hpp"

#include <botan/hex.h>


namespace ascep::fleet::detail {
namespace {

bool renewal_under_way(const journal_record* prior)
{
    return prior != nullptr &&
           (prior->state == device_state::renewing || prior->state == device_state::renewal_pending);
}

} // namespace

asio::awaitable<bool> fleet_run::maybe_renew(device& d, device_progress& st, const journal_record* prior,
                                             const device_on_disk& disk, device_slot& slot)
{
    const auto step = next_renewal_step(disk.files, prior ? std::optional(prior->state) : std::nullopt);
    // Without --renew-within only a renewal under way is taken on.
    const bool due = settings_.renew_within &&
                     disk.issued->not_after().to_std_timepoint() <= std::chrono::system_clock::now() + *settings_.renew_within;
    if (step == renewal_step::none && !due)
        co_return false;
    // finish_swap cannot be left: look_at_device completed it or failed.
    const auto old_serial = Botan::hex_encode(disk.issued->serial_number());
    if (prior != nullptr && prior->state == device_state::failed && !settings_.retry_failed) {
        ++progress_.counts.failed;
        finish_device(d, "failed", prior->transaction_id,
                      prior->detail + " (in an earlier run; --retry-failed tries again)", 0, 0, st.started);
        co_return true;
    }
    if (stopping_) {
        interrupted(d, {}, 0);
        co_return true;
    }
    // The transaction of a renewal under way, so that a CertPoll is checked
    // against the key it was for; a fresh renewal starts without one.
    std::string tid = renewal_under_way(prior) ? prior->transaction_id : std::string();
    co_await enroll_device(std::move(d), st, step == renewal_step::poll, true, std::move(tid), {}, old_serial, slot);
    co_return true;
}

asio::awaitable<device_material> fleet_run::renewal_material(const device& d, const device_paths& paths,
                                                             bool under_way)
{
    // As for enrollment: queued key generations are skipped once a signal came.
    auto make = [&d, &paths, bits = settings_.key_bits, &challenge = settings_.challenge,
                 pass = settings_.key_pass.get(),
                 reuse_key = settings_.reuse_key, under_way, stop = &stop_flag_] {
        if (stop->load())
            return device_material{};
        auto m = prepare_renewal_material(d, paths, bits, challenge, reuse_key, under_way, pass);
        if (io::is_local_fault(m.write_error)) // as for enrollment: no more keys for a full disk
            stop->store(true);
        return m;
    };
    co_return co_await async_offload(crypto_, std::move(make));
}

asio::awaitable<void> fleet_run::install_renewal(const device& d, const std::string& tid,
                                                 const ascep::enroll_result& r, const device_progress& st,
                                                 const std::string& old_serial)
{
    auto install = [&d, paths = paths_for(settings_.out_dir, d.id), cert = *r.certificate,
                    chain = r.chain.empty() ? ca_chain_ : r.chain] { return install_renewed(d, paths, cert, chain); };
    const auto error = co_await async_offload(disk_, std::move(install));
    if (!error.empty()) {
        // The new pair stays beside the old one: the next run completes the swap.
        fail_device(d, tid, "renewed, but " + error, st);
        co_return;
    }
    renewed(d, tid, old_serial, *r.certificate, st);
}

void fleet_run::renewed(const device& d, const std::string& tid, const std::string& old_serial,
                        const Botan::X509_Certificate& cert, const device_progress& st)
{
    auto& counts = progress_.counts;
    ++counts.issued;
    ++counts.issued_now;
    ++counts.renewed;
    const auto serial = Botan::hex_encode(cert.serial_number());
    journal_record r{d.id, device_state::renewed, tid, serial, st.messages, unix_ms(), old_serial};
    r.not_after = not_after_seconds(cert);
    certificate_changed(st.held_not_after, r.not_after);
    record(std::move(r));
    finish_device(d, "renewed", tid, serial, st.messages, st.retries, st.started, old_serial,
                  asn1::rfc3339(cert.not_after()));
}

} // namespace ascep::fleet::detail
