// fleet: the command line's face of fleet::run_fleet (src/fleet).
#include "cli/challenge.hpp"
#include "cli/files.hpp"
#include "cli/key_pass.hpp"
#include "cli/local_operations.hpp"
#include "cli/session.hpp"
#include "fleet/runner.hpp"

#include <malloc.h>

namespace ascep::cli {
namespace {

static_assert(exit_code(outcome::local_fault) == fleet::local_fault_exit_code,
              "the fleet's exit code for a local fault is the table's");

file_result<fleet::fleet_settings> settings_of(const options& opts, reporter& out)
{
    fleet::fleet_settings s;
    auto challenge = resolve_challenge(opts, out);
    if (!challenge)
        return challenge.error();
    s.challenge = std::move(*challenge);
    auto pass = resolve_key_pass(opts);
    if (!pass)
        return pass.error();
    s.key_pass = std::move(*pass);
    s.shard = opts.shard.value_or(fleet::shard_spec{});
    if (!opts.ca_cert.empty()) {
        auto certs = load_ca_certificates(opts.ca_cert);
        if (!certs)
            return certs.error();
        s.ca_certificates = std::move(*certs);
    }
    if (!opts.enc_cert.empty()) {
        auto enc = load_certificate(opts.enc_cert);
        if (!enc)
            return enc.error();
        s.encryption_cert = std::move(*enc);
    }
    s.manifest = opts.manifest;
    s.out_dir = opts.out;
    s.client = client_options_of(opts);
    s.client.max_in_flight = opts.concurrency.value_or(16);
    s.client.max_rate = opts.rate.value_or(0);
    s.ca_identifier = opts.ca_identifier;
    s.ca_fingerprint = opts.ca_fingerprint;
    if (opts.cipher)
        s.cipher = std::string(asn1::cli_name(*opts.cipher));
    if (opts.digest)
        s.digest = std::string(asn1::cli_name(*opts.digest));
    s.use_post = opts.post;
    s.poll_interval = *opts.poll_interval;
    s.max_poll_time = *opts.max_poll_time;
    s.max_poll_count = *opts.max_poll_count;
    s.key_bits = *opts.key_bits;
    s.crypto_threads = opts.crypto_threads.value_or(0);
    if (opts.retries)
        s.retries = *opts.retries;
    if (opts.retry_for)
        s.retry_for = *opts.retry_for;
    s.retry_failures = opts.retry_failures.value_or(0);
    s.retry_failed = opts.retry_failed;
    s.renew_within = opts.renew_within;
    s.reuse_key = opts.reuse_key;
    s.metrics_file = opts.metrics_file;
    if (!opts.metrics_listen.empty()) {
        std::string why;
        s.metrics_listen = fleet::parse_listen_address(opts.metrics_listen, why); // checked by the option's setter
    }
    s.jsonl = opts.jsonl;
    s.report_file = opts.report_file;
    s.progress = opts.progress == "none"    ? fleet::progress_style::none
                 : opts.progress == "plain" ? fleet::progress_style::plain
                                            : fleet::progress_style::automatic;
    s.verbose = opts.verbose;
    return s;
}

outcome outcome_of_setup(const fleet::setup_failure& f)
{
    switch (f.what) {
    case fleet::setup_failure::kind::usage: return outcome::general_error;
    case fleet::setup_failure::kind::file: return outcome::file_error;
    case fleet::setup_failure::kind::network: return outcome_of(f.error);
    case fleet::setup_failure::kind::untrusted: return outcome::pkcs7_error;
    }
    return outcome::general_error;
}

} // namespace

int run_fleet(const options& opts, reporter& out)
{
    const auto settings = settings_of(opts, out);
    if (!settings)
        return out.finish(settings.error());
    // Keys are made and loaded on worker threads; glibc would give each its
    // own arena, and memory freed there is hard to give back. Thousands of
    // devices waiting to poll hold small objects from all of them, so fewer
    // arenas means markedly less resident memory (tools/bench/pending_10k).
    ::mallopt(M_ARENA_MAX, 2);
    if (opts.insecure)
        out.warn("--insecure: the https:// server's certificate and host name are NOT verified; anyone on the "
                 "network path can read and change this exchange");
    const auto result = fleet::run_fleet(*settings);
    if (result.failure)
        return out.finish(failure{outcome_of_setup(*result.failure), result.failure->text});
    return result.exit_code;
}

} // namespace ascep::cli
