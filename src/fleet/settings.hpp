// Everything a fleet run is told (PRODUCT.md §4): the CLI fills it from
// `ascep fleet` options, tests fill it directly.
#pragma once

#include "ascep/client.hpp"
#include "fleet/metrics_server.hpp"
#include "fleet/shard.hpp"
#include "keys/passphrase.hpp"

#include <chrono>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ascep::fleet {

enum class progress_style {
    automatic, ///< a line updated in place on a terminal, else a plain line every few seconds
    plain,     ///< a plain line every few seconds
    none,
};

struct fleet_settings {
    std::string manifest; ///< --manifest CSV
    std::string out_dir;  ///< --out DIR: DIR/<id>/{key,csr,cert,chain}.pem and the journal
    /// --shard K/N: enroll only the rows whose id is in shard K (shard.hpp);
    /// the manifest check still covers every row.
    shard_spec shard;

    /// The CA: URL, proxy, TLS, timeouts; max_in_flight is --concurrency and
    /// max_rate is --rate.
    ascep::client_options client;
    /// -c: the CA's certificates, read by the front end as every operation
    /// reads them (cli::load_ca_certificates); empty: GetCACert.
    std::vector<Botan::X509_Certificate> ca_certificates;
    /// -e: encrypt to this certificate instead of the one chosen from the CA's.
    std::optional<Botan::X509_Certificate> encryption_cert;
    std::string ca_identifier;  ///< -i
    std::string ca_fingerprint; ///< --ca-fingerprint: SHA-256 of the CA certificate, hex (':' allowed)

    std::string cipher; ///< -E; empty: from GetCACaps
    std::string digest; ///< -S
    std::optional<bool> use_post;
    std::chrono::seconds poll_interval{300};
    std::chrono::seconds max_poll_time{28800};
    unsigned max_poll_count = 256;

    unsigned key_bits = 2048;
    unsigned crypto_threads = 0; ///< 0: one per core
    std::string challenge;       ///< for rows without one
    /// --key-pass: decrypts the key files read (key.pem, the manifest's
    /// `key`), encrypts every key written (key.pem, key.new.pem); null: none.
    std::shared_ptr<const keys::passphrase> key_pass;

    /// Transient errors (refused, timeout, 5xx) are retried for this long per
    /// device, counted from its first error since it last heard from the CA
    /// (so separate outages each get the whole time), with exponential
    /// backoff and jitter from backoff_base up to backoff_cap.
    std::chrono::seconds retry_for{600};
    /// --retries: also at most this many such retries per device and run.
    unsigned retries = std::numeric_limits<unsigned>::max();
    std::chrono::milliseconds backoff_base{1000};
    std::chrono::milliseconds backoff_cap{60000};
    /// FAILURE replies retried this many times with a fresh PKCSReq.
    unsigned retry_failures = 0;
    /// Devices the journal lists as failed are tried again.
    bool retry_failed = false;

    /// --renew-within: issued devices whose cert.pem expires before now +
    /// this are renewed (renewal_files.hpp); unset: issued devices are skipped.
    std::optional<std::chrono::seconds> renew_within;
    /// --reuse-key: a renewal keeps the device's key instead of a new one.
    bool reuse_key = false;

    /// On SIGINT/SIGTERM, requests in flight get this long to finish.
    std::chrono::milliseconds grace{5000};
    /// Devices being worked on at once (key generation, requests, backoff;
    /// not those waiting to poll); the manifest is read as slots free up.
    /// 0: 4 x (max_in_flight + crypto threads), at least 64.
    std::size_t max_active = 0;

    /// --metrics-file PATH: Prometheus text, rewritten atomically every
    /// metrics_every during the run and at its end (metrics.hpp).
    std::string metrics_file;
    std::chrono::milliseconds metrics_every{10000};
    /// --metrics-listen ADDRESS:PORT: the same served at /metrics.
    std::optional<listen_address> metrics_listen;
    /// At the end of a run whose endpoint has been scraped, how long to wait
    /// for one more scrape, so that the final figures are collected.
    std::chrono::milliseconds metrics_linger{30000};

    bool jsonl = false;      ///< one JSON object per device event on `events`
    std::string report_file; ///< --report FILE
    progress_style progress = progress_style::automatic;
    bool verbose = false;
    std::FILE* messages = stderr; ///< progress and messages
    std::FILE* events = stdout;   ///< --jsonl lines
};

} // namespace ascep::fleet
