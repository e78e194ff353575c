// Every setting of the sscep-compatible command line (PRODUCT.md §1), and the
// argv parser that fills them. Pure: no I/O except that parse() reads the
// config file named by -f.
//
// The pipeline, for callers that want the steps:
//   parse_arguments(argv)          argv only, no file access
//   read_config_file + apply_config (config_file.hpp) fill what argv left unset
//   finalize(options)              checks required options, fills defaults
// parse(argv) does all three.
#pragma once

#include "asn1/algorithms.hpp"
#include "cli/parse_error.hpp"
#include "fleet/shard.hpp"

#include <botan/secmem.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::cli {

/// fleet_status is `ascep fleet status` (two words on the command line).
enum class operation { getcaps, getca, getnextca, enroll, getcert, getcrl, mkrequest, inspect, fleet, renew, fleet_status };

/// The name on the command line ("getca").
std::string_view name_of(operation op) noexcept;
/// Parses an operation name, exactly (sscep matched prefixes; we do not).
std::optional<operation> parse_operation(std::string_view name) noexcept;
/// Whether the operation talks to a SCEP server (and so needs -u).
bool is_network(operation op) noexcept;

/// One -M name=value: an extra query parameter for every request.
struct query_parameter {
    std::string name;
    std::string value;
    friend bool operator==(const query_parameter&, const query_parameter&) = default;
};

/// One mkrequest -ip / -dns / -email NAME.
struct alt_name {
    enum class kind { ip, dns, email };
    kind type = kind::dns;
    std::string value;
    friend bool operator==(const alt_name&, const alt_name&) = default;
};

/// One attribute of --subject "CN=a,O=b" (type as written: "CN").
struct subject_attribute {
    std::string type;
    std::string value;
    friend bool operator==(const subject_attribute&, const subject_attribute&) = default;
};

/// A certificate serial number from -s / GetCertSerial.
struct serial_number {
    /// Big-endian magnitude, no leading zero bytes, at least one byte.
    std::vector<std::uint8_t> bytes;

    /// Decimal, as sscep sends it ("4660").
    std::string to_decimal() const;
    /// Upper-case hex with ':' between bytes ("12:34").
    std::string to_hex() const;
    friend bool operator==(const serial_number&, const serial_number&) = default;
};

/// Limits and defaults.
inline constexpr std::size_t max_serial_bytes = 64;
inline constexpr std::chrono::seconds default_poll_interval{300};  // sscep POLL_TIME
inline constexpr std::chrono::seconds default_max_poll_time{28800}; // sscep MAX_POLL_TIME
inline constexpr unsigned default_max_poll_count = 256;             // sscep MAX_POLL_COUNT
inline constexpr unsigned default_key_bits = 2048;
inline constexpr unsigned min_key_bits = 1024;
inline constexpr unsigned max_key_bits = 16384;
inline constexpr std::string_view default_prefix = "local";

/// Parses "4660" (decimal), "12:34" (hex bytes separated by ':'), "0x1234"
/// or bare hex with a-f digits ("1a2b", as sscep detects it). Usage error
/// naming the problem; the caller adds which option it came from.
result<serial_number> parse_serial(std::string_view text);

/// Every setting. A field left empty / nullopt / false was not given. After
/// finalize() the fields documented "defaulted" are always set for the
/// operations that use them.
struct options {
    operation op = operation::getcaps;
    /// -h / --help after the operation: print that operation's usage. When
    /// set, finalize() checks nothing.
    bool help = false;

    // --- every network operation ---
    std::string url;         ///< -u --url
    std::string proxy;       ///< -p --proxy host:port
    std::string config_file; ///< -f --config
    std::string ca_cert;     ///< -c --ca-cert: read (enroll, getcert, ...) or written (getca)
    std::optional<asn1::cipher_algorithm> cipher; ///< -E --cipher; nullopt = choose from GetCACaps
    std::optional<asn1::digest_algorithm> digest; ///< -S --digest; nullopt = choose from GetCACaps
    bool verbose = false; ///< -v --verbose (finalize: -d implies it, as in sscep)
    bool debug = false;   ///< -d --debug
    bool json = false;    ///< --json: one machine-readable result object on stdout
    std::vector<query_parameter> query;          ///< -M --query name=value, in order
    std::optional<std::chrono::seconds> connect_retry; ///< -W --connect-retry
    std::optional<std::chrono::seconds> timeout;       ///< --timeout: whole-operation deadline
    /// --cacert (alias --tls-cacert): TLS trust anchors for https:// (else the
    /// system store). Not the SCEP CA certificate, which is -c --ca-cert.
    std::string tls_ca_file;
    std::string tls_ca_path; ///< --capath: directory of TLS trust anchors (OpenSSL hashed layout)
    bool insecure = false;   ///< --insecure: do not verify the https:// server (warned on every run)
    /// --method get|post: how PKIOperation is sent; nullopt = from GetCACaps
    /// (POST when the CA lists POSTPKIOperation or SCEPStandard).
    std::optional<bool> post;

    // --- getcaps, getca, getnextca ---
    std::string ca_identifier; ///< -i --ca-ident
    /// -F --fingerprint; defaulted to md5 (sscep's) for getca and getnextca.
    std::optional<asn1::digest_algorithm> fingerprint;
    std::string chain_out; ///< -C --chain-out (getnextca)
    /// -w --out: signer certificate (getnextca), certificate (getcert), CRL (getcrl).
    std::string out;

    // --- enroll, getcert, getcrl, inspect ---
    std::string key;        ///< -k --key
    /// --key-pass file:PATH|env:VAR|fd:N: where the passphrase of the key
    /// files read and written is (checked when parsed; read by
    /// resolve_key_pass, key_pass.hpp). Never the passphrase itself.
    std::string key_pass;
    std::string csr;        ///< -r --csr
    std::string old_key;    ///< -K --old-key (renewal; with -O)
    std::string old_cert;   ///< -O --old-cert (renewal; with -K)
    std::string local_cert; ///< -l --local-cert: written (enroll) or read (getcert, getcrl, inspect)
    std::string enc_cert;   ///< -e --enc-cert
    std::string self_signed_out; ///< -L --self-signed-out
    std::optional<std::chrono::seconds> poll_interval; ///< -t --poll-interval; defaulted (enroll)
    std::optional<std::chrono::seconds> max_poll_time; ///< -T --max-poll-time; defaulted (enroll)
    std::optional<unsigned> max_poll_count;             ///< -n --max-poll-count; defaulted (enroll)
    bool resume = false;       ///< -R --resume
    std::string request_out;   ///< -m --write-request: write the PKCS#7 request, do not send
    std::optional<serial_number> serial; ///< -s --serial (getcert)

    // --- PKCS#11 token keys (docs/keys.md): -k/-K may be pkcs11: URIs ---
    /// -g --engine: sscep's OpenSSL engine; only "pkcs11" (then -k/-K name
    /// token keys, URIs or labels).
    std::string engine;
    std::string pkcs11_module; ///< --pkcs11-module PATH (config: the engine section's MODULE_PATH)
    std::string pin_file;      ///< --pin-file FILE
    /// A PIN from an sscep config file ([sscep_engine_pkcs11] PIN), warned
    /// about; never from argv. Zeroed when freed.
    Botan::secure_vector<char> config_pin;
    bool store_cert = false;  ///< --store-cert: also store the issued certificate on the token
    bool replace_key = false; ///< --replace-key (mkrequest): a token key with that label may be replaced

    // --- mkrequest ---
    std::vector<alt_name> alt_names;          ///< -ip / -dns / -email NAME, in order
    /// The positional [challenge] or --challenge (mkrequest, fleet): argv,
    /// where `ps` shows it; read it through resolve_challenge (challenge.hpp).
    std::string challenge;
    std::string challenge_file;               ///< --challenge-file FILE (mkrequest, fleet)
    std::vector<subject_attribute> subject;   ///< --subject; empty = CN from the first NAME
    std::optional<unsigned> key_bits;         ///< --bits; defaulted
    std::string prefix;                       ///< --prefix; defaulted ("local": local.key, local.csr)
    // mkrequest also writes -k (a file, or a key made on the token a
    // pkcs11: URI names) and -r; finalize() defaults them from --prefix.

    // --- fleet (also -u, -c, -i, -E, -S, -t, -T, -n, --bits, --challenge, -w/--out DIR) ---
    std::string manifest;       ///< --manifest CSV
    std::optional<fleet::shard_spec> shard; ///< --shard K/N
    std::string ca_fingerprint; ///< --ca-fingerprint SHA-256 hex
    std::optional<unsigned> concurrency;    ///< --concurrency N requests in flight
    std::optional<double> rate;             ///< --rate R requests started per second
    std::optional<unsigned> crypto_threads; ///< --crypto-threads N
    std::optional<unsigned> retries;        ///< --retries N (transient errors)
    std::optional<std::chrono::seconds> retry_for; ///< --retry-for DURATION (transient errors)
    std::optional<unsigned> retry_failures; ///< --retry-failures N (FAILURE replies)
    bool retry_failed = false;              ///< --retry-failed
    bool jsonl = false;                     ///< --jsonl
    std::string report_file;                ///< --report FILE
    std::string progress;                   ///< --progress auto|plain|none

    // --- renew (also -k, -l, --bits) and fleet ---
    /// renew --within / fleet --renew-within DURATION: renew a certificate
    /// that expires within it (30d, 12h, 90m). fleet status --within: the
    /// due window shown (default 30d).
    std::optional<std::chrono::seconds> renew_within;
    /// --reuse-key: renew with the current key (renew: -k; fleet: each
    /// device's key.pem) instead of a new one.
    bool reuse_key = false;

    // --- metrics (fleet, renew, fleet status) ---
    std::string metrics_file;   ///< --metrics-file PATH: Prometheus text, atomically rewritten
    std::string metrics_listen; ///< --metrics-listen ADDRESS:PORT (fleet): checked by the setter

    // --- inspect ---
    std::string input_file; ///< the positional FILE
};

/// Step 1: parses argv (argv[0] is the program name, argv[1] the operation),
/// sscep-style: single-letter options take their value from the next element
/// or glued ("-uURL"); flags may be grouped ("-vd"); long options take
/// "--name value" or "--name=value"; "--" ends options. Checks that each option
/// is valid for the operation and that values parse. Does not read files and
/// does not check required options (the config file may supply them).
/// Errors: usage errors only.
result<options> parse_arguments(std::span<const char* const> argv);

/// Step 3: after the config file is applied: checks required options
/// ("missing private key (-k)"), option pairs (-K with -O), fills defaults,
/// and -d implies -v. Errors: usage errors only.
result<void> finalize(options& opts);

/// sscep's -g pkcs11 key names as RFC 7512 URIs: a URI stays as it is,
/// "label_NAME" and any other name become "pkcs11:object=NAME", "id_HEX"
/// "pkcs11:id=%HE%X.."; empty stays empty.
std::string as_pkcs11_uri(const std::string& name);

/// What parse() gives: the options and warnings to print (unknown config keys,
/// ignored config sections), one line each, without the program name.
struct parsed_command_line {
    options opts;
    std::vector<std::string> warnings;
};

/// Steps 1-3: parse_arguments, then the config file named by -f (if any;
/// read_config_file + apply_config), then finalize. Reads only that file.
/// Errors: usage errors (exit 1) and config file errors (exit 93).
result<parsed_command_line> parse(std::span<const char* const> argv);

/// The usage text of one operation, generated from the option table.
std::string usage_text(operation op);
/// The usage text listing all operations.
std::string usage_text();

} // namespace ascep::cli
