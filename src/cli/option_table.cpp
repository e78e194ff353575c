// The option table: every option's names, the operations it is valid for,
// its help line and the function that sets it from text.
#include "cli/option_table.hpp"

#include "cli/config_file.hpp"
#include "fleet/listen_address.hpp"
#include "io/duration.hpp"
#include "keys/passphrase.hpp"
#include "scep/csr.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>
#include <utility>

namespace ascep::cli::detail {
namespace {

using reason = std::optional<std::string>;

std::string quoted(std::string_view v)
{
    return "'" + std::string(v) + "'";
}

/// renew --within and fleet --renew-within: a duration, a bare number in days.
reason set_renewal_window(options& o, std::string_view v)
{
    const auto d = io::parse_duration(v, 'd');
    if (!d)
        return quoted(v) + " is not " + io::duration_syntax('d');
    o.renew_within = *d;
    return std::nullopt;
}

reason parse_unsigned(std::string_view v, std::uint64_t min, std::uint64_t max, std::uint64_t& out)
{
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec == std::errc::invalid_argument || end != v.data() + v.size())
        return quoted(v) + " is not a number";
    if (ec == std::errc::result_out_of_range || n < min || n > max)
        return quoted(v) + " is out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")";
    out = n;
    return std::nullopt;
}

reason set_count(std::optional<unsigned>& field, std::string_view v, std::uint64_t min, std::uint64_t max)
{
    std::uint64_t n = 0;
    if (auto r = parse_unsigned(v, min, max, n))
        return r;
    field = static_cast<unsigned>(n);
    return std::nullopt;
}

constexpr std::uint64_t max_seconds = std::numeric_limits<std::uint32_t>::max();

reason set_seconds(std::optional<std::chrono::seconds>& field, std::string_view v, std::uint64_t min)
{
    std::uint64_t n = 0;
    if (auto r = parse_unsigned(v, min, max_seconds, n))
        return r;
    field = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(n));
    return std::nullopt;
}

reason set_string(std::string& field, std::string_view v)
{
    if (v.empty())
        return "empty value";
    field = std::string(v);
    return std::nullopt;
}

reason set_digest(std::optional<asn1::digest_algorithm>& field, std::string_view v)
{
    auto d = asn1::parse_digest_name(v);
    if (!d)
        return "unknown digest " + quoted(v) + " (md5, sha1, sha224, sha256, sha384, sha512)";
    field = *d;
    return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

reason set_url(options& o, std::string_view v)
{
    auto has_scheme = [v](std::string_view scheme) {
        return v.size() > scheme.size() && iequals(v.substr(0, scheme.size()), scheme);
    };
    if (!has_scheme("http://") && !has_scheme("https://"))
        return "URL " + quoted(v) + " must start with http:// or https://";
    o.url = std::string(v);
    return std::nullopt;
}

reason add_query(options& o, std::string_view v)
{
    const auto eq = v.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return quoted(v) + " is not name=value";
    o.query.push_back({std::string(v.substr(0, eq)), std::string(v.substr(eq + 1))});
    return std::nullopt;
}

reason add_alt_name(options& o, alt_name::kind kind, std::string_view v)
{
    if (v.empty())
        return "empty value";
    switch (kind) {
    case alt_name::kind::ip: {
        std::array<unsigned char, 16> buf{};
        const std::string s(v);
        if (::inet_pton(AF_INET, s.c_str(), buf.data()) != 1 && ::inet_pton(AF_INET6, s.c_str(), buf.data()) != 1)
            return quoted(v) + " is not an IPv4 or IPv6 address";
        break;
    }
    case alt_name::kind::dns:
        if (std::any_of(v.begin(), v.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }))
            return quoted(v) + " is not a DNS name";
        break;
    case alt_name::kind::email:
        if (v.find('@') == std::string_view::npos || v.front() == '@' || v.back() == '@')
            return quoted(v) + " is not an email address";
        break;
    }
    o.alt_names.push_back({kind, std::string(v)});
    return std::nullopt;
}

reason set_subject(options& o, std::string_view v)
{
    std::string why;
    auto attrs = scep::parse_dn_text(v, why);
    if (!attrs)
        return "subject " + quoted(v) + " is " + why;
    o.subject.clear();
    for (auto& a : *attrs)
        o.subject.push_back({std::move(a.type), std::move(a.value)});
    return std::nullopt;
}

/// -g: sscep's OpenSSL engine. Only pkcs11 has a meaning here; the others
/// reached keys that PKCS#11 reaches too (CAPI stores, TPMs), so the usage
/// error says how.
reason set_engine(options& o, std::string_view v)
{
    if (v == "pkcs11") {
        o.engine = std::string(v);
        return std::nullopt;
    }
    return "engine " + quoted(v) + " is not supported: ascep reaches hardware keys through PKCS#11 only; use -g "
           "pkcs11 or give -k a PKCS#11 URI such as 'pkcs11:token=NAME;object=LABEL' (for a TPM 2.0: "
           "tpm2-pkcs11; docs/keys.md)";
}

// Flags take no value; the parameter keeps one signature for the table.
#define ASCEP_FLAG(field)                                                                                              \
    [](options& o, std::string_view) -> reason {                                                                       \
        o.field = true;                                                                                                \
        return std::nullopt;                                                                                           \
    },                                                                                                                 \
        [](const options& o) { return o.field; }
#define ASCEP_STRING(field)                                                                                            \
    [](options& o, std::string_view v) { return set_string(o.field, v); },                                             \
        [](const options& o) { return !o.field.empty(); }
#define ASCEP_OPTIONAL(field) [](const options& o) { return o.field.has_value(); }
#define ASCEP_STRING_SET(field) [](const options& o) { return !o.field.empty(); }

const option_spec table[] = {
    // every network operation (sscep's "all" row)
    {'u', 'u', "url", "URL", network_ops, "SCEP server URL (http:// or https://)", set_url,
     [](const options& o) { return !o.url.empty(); }},
    {'p', 'p', "proxy", "[USER:PASS@]HOST:PORT", network_ops,
     "use this HTTP proxy (CONNECT for https://); overrides http_proxy/https_proxy", ASCEP_STRING(proxy)},
    {'f', 'f', "config", "FILE", all_ops, "read settings from the config file FILE (both sscep formats)",
     ASCEP_STRING(config_file)},
    {'c', 'c', "ca-cert", "FILE", network_ops | bit(operation::inspect),
     "SCEP CA certificate file (written by getca; read by the other operations)", ASCEP_STRING(ca_cert)},
    {'E', 'E', "cipher", "ALG", network_ops, "PKCS#7 encryption: des, 3des, blowfish, aes, aes128, aes192, aes256",
     [](options& o, std::string_view v) -> reason {
         auto c = asn1::parse_cipher_name(v);
         if (!c)
             return "unknown cipher " + quoted(v) + " (des, 3des, blowfish, aes, aes128, aes192, aes256)";
         o.cipher = *c;
         return std::nullopt;
     },
     ASCEP_OPTIONAL(cipher)},
    {'S', 'S', "digest", "ALG", network_ops | bit(operation::mkrequest),
     "signature digest: md5, sha1, sha224, sha256, sha384, sha512",
     [](options& o, std::string_view v) { return set_digest(o.digest, v); }, ASCEP_OPTIONAL(digest)},
    {'v', 'v', "verbose", "", all_ops, "verbose output", ASCEP_FLAG(verbose)},
    {'d', 'd', "debug", "", all_ops, "debug output (implies -v)", ASCEP_FLAG(debug)},
    {'M', 'M', "query", "NAME=VALUE", network_ops, "extra query parameter for every request (repeatable)", add_query,
     [](const options& o) { return !o.query.empty(); }},
    {'W', 'W', "connect-retry", "SECS", network_ops, "keep retrying the connection for SECS seconds",
     [](options& o, std::string_view v) { return set_seconds(o.connect_retry, v, 0); }, ASCEP_OPTIONAL(connect_retry)},
    {id_timeout, 0, "timeout", "SECS", network_ops, "give up a network exchange after SECS seconds",
     [](options& o, std::string_view v) { return set_seconds(o.timeout, v, 1); }, ASCEP_OPTIONAL(timeout)},
    {id_tls_cacert, 0, "cacert", "FILE", network_ops,
     "TLS trust anchors (PEM) for https://, instead of the system store; not the SCEP CA (-c)",
     ASCEP_STRING(tls_ca_file)},
    {id_tls_capath, 0, "capath", "DIR", network_ops,
     "TLS trust anchors in hashed directory DIR, instead of the system store", ASCEP_STRING(tls_ca_path)},
    {id_insecure, 0, "insecure", "", network_ops, "TLS: do NOT verify the https:// server (warns on every run)",
     ASCEP_FLAG(insecure)},
    {id_method, 0, "method", "GET|POST",
     enroll_ops | bit(operation::getcert) | bit(operation::getcrl) | fleet_op,
     "send PKIOperation by GET or POST, whatever GetCACaps says",
     [](options& o, std::string_view v) -> reason {
         if (v == "GET" || v == "get")
             o.post = false;
         else if (v == "POST" || v == "post")
             o.post = true;
         else
             return quoted(v) + " is neither GET nor POST";
         return std::nullopt;
     },
     ASCEP_OPTIONAL(post)},
    {id_json, 0, "json", "", all_ops & ~fleet_op, "print one JSON result object on stdout", ASCEP_FLAG(json)},
    {'h', 'h', "help", "", all_ops, "print this operation's usage", ASCEP_FLAG(help)},

    // getcaps, getca, getnextca
    {'i', 'i', "ca-ident", "IDENT",
     bit(operation::getcaps) | bit(operation::getca) | bit(operation::getnextca) | fleet_op,
     "CA identifier (message= parameter)", ASCEP_STRING(ca_identifier)},
    {'F', 'F', "fingerprint", "ALG", bit(operation::getca) | bit(operation::getnextca),
     "fingerprint algorithm: md5 (default), sha1, sha224, sha256, sha384, sha512",
     [](options& o, std::string_view v) { return set_digest(o.fingerprint, v); }, ASCEP_OPTIONAL(fingerprint)},
    {'C', 'C', "chain-out", "FILE", bit(operation::getnextca), "write the next CA chain to FILE",
     ASCEP_STRING(chain_out)},
    {'w', 'w', "out", "FILE",
     bit(operation::getnextca) | bit(operation::getcert) | bit(operation::getcrl) | fleet_op | status_op,
     "write the result (getnextca: signer certificate; getcert: certificate; getcrl: CRL) to FILE; fleet: the "
     "output directory (fleet status: the one to read)",
     ASCEP_STRING(out)},

    // enroll, getcert, getcrl, inspect
    {'k', 'k', "key", "FILE|URI", enroll_ops | bit(operation::getcert) | bit(operation::getcrl)
                                      | bit(operation::inspect) | bit(operation::mkrequest),
     "private key file, or a token key as a PKCS#11 URI 'pkcs11:token=T;object=L' (renew: the key of -l, replaced "
     "with the new one; mkrequest: the key to make, default PREFIX.key)",
     ASCEP_STRING(key)},
    {id_key_pass, 0, "key-pass", "file:PATH|env:VAR|fd:N", key_file_ops,
     "passphrase of encrypted key files read, and of the keys written (PKCS#8, AES-256); not pass:",
     [](options& o, std::string_view v) -> reason {
         std::string why;
         if (!keys::parse_passphrase_source(v, why))
             return why;
         o.key_pass = std::string(v);
         return std::nullopt;
     },
     ASCEP_STRING_SET(key_pass)},
    {'r', 'r', "csr", "FILE", bit(operation::enroll) | bit(operation::mkrequest),
     "certificate request (PKCS#10) file (mkrequest: written, default PREFIX.csr)", ASCEP_STRING(csr)},
    {'K', 'K', "old-key", "FILE|URI", bit(operation::enroll),
     "renewal: the key of the certificate given with -O (a file or a PKCS#11 URI)", ASCEP_STRING(old_key)},
    {'O', 'O', "old-cert", "FILE", bit(operation::enroll), "renewal: sign the request with this existing certificate",
     ASCEP_STRING(old_cert)},
    {'l', 'l', "local-cert", "FILE", enroll_ops | bit(operation::getcert) | bit(operation::getcrl)
                                         | bit(operation::inspect),
     "enroll: write the issued certificate to FILE; renew: the certificate to renew and replace; others: our "
     "certificate (for -k)",
     ASCEP_STRING(local_cert)},
    {'e', 'e', "enc-cert", "FILE", enroll_ops | bit(operation::getcert) | bit(operation::getcrl) | fleet_op,
     "encrypt to this certificate instead of the one chosen from -c",
     ASCEP_STRING(enc_cert)},
    {'L', 'L', "self-signed-out", "FILE", bit(operation::enroll), "write the self-signed certificate to FILE",
     ASCEP_STRING(self_signed_out)},
    {'t', 't', "poll-interval", "SECS", enroll_ops | fleet_op, "poll every SECS seconds while PENDING (default 300)",
     [](options& o, std::string_view v) { return set_seconds(o.poll_interval, v, 1); }, ASCEP_OPTIONAL(poll_interval)},
    {'T', 'T', "max-poll-time", "SECS", enroll_ops | fleet_op, "stop polling after SECS seconds (default 28800)",
     [](options& o, std::string_view v) { return set_seconds(o.max_poll_time, v, 0); }, ASCEP_OPTIONAL(max_poll_time)},
    {'n', 'n', "max-poll-count", "N", enroll_ops | fleet_op, "stop polling after N polls (default 256)",
     [](options& o, std::string_view v) -> reason {
         std::uint64_t n = 0;
         if (auto r = parse_unsigned(v, 0, std::numeric_limits<std::uint32_t>::max(), n))
             return r;
         o.max_poll_count = static_cast<unsigned>(n);
         return std::nullopt;
     },
     ASCEP_OPTIONAL(max_poll_count)},
    {'R', 'R', "resume", "", enroll_ops,
     "resume an interrupted enrollment (poll, do not resend); renew: poll for the key an earlier run left",
     ASCEP_FLAG(resume)},
    {'m', 'm', "write-request", "FILE", bit(operation::enroll), "write the PKCS#7 request to FILE and do not send it",
     ASCEP_STRING(request_out)},
    {'s', 's', "serial", "SERIAL", bit(operation::getcert), "serial number: decimal, or hex bytes with ':' (01:a2)",
     [](options& o, std::string_view v) -> reason {
         auto s = parse_serial(v);
         if (!s)
             return s.error().message;
         o.serial = std::move(*s);
         return std::nullopt;
     },
     ASCEP_OPTIONAL(serial)},

    // PKCS#11 token keys
    {'g', 'g', "engine", "pkcs11", key_ops,
     "sscep's engine: only pkcs11 (then -k and -K name token keys: URIs, or labels); other engines: use a "
     "PKCS#11 URI",
     set_engine, ASCEP_STRING_SET(engine)},
    {id_pkcs11_module, 0, "pkcs11-module", "PATH", key_ops,
     "PKCS#11 module for token keys (default: module-path= in the URI, else p11-kit's configured modules)",
     ASCEP_STRING(pkcs11_module)},
    {id_pin_file, 0, "pin-file", "FILE", key_ops,
     "read the token PIN from FILE (also pin-source=file:PATH in the URI, or ASCEP_PIN; never on the command line)",
     ASCEP_STRING(pin_file)},
    {id_store_cert, 0, "store-cert", "", enroll_ops,
     "token key: also store the issued certificate on the token, beside the key (same CKA_ID)",
     ASCEP_FLAG(store_cert)},
    {id_replace_key, 0, "replace-key", "", bit(operation::mkrequest),
     "token key: replace a key that already has the URI's label (default: refuse)", ASCEP_FLAG(replace_key)},

    // mkrequest
    {id_ip, 0, "ip", "ADDRESS", bit(operation::mkrequest), "subjectAltName IP address (also -ip)",
     [](options& o, std::string_view v) { return add_alt_name(o, alt_name::kind::ip, v); },
     [](const options& o) { return !o.alt_names.empty(); }},
    {id_dns, 0, "dns", "NAME", bit(operation::mkrequest), "subjectAltName DNS name (also -dns)",
     [](options& o, std::string_view v) { return add_alt_name(o, alt_name::kind::dns, v); },
     [](const options& o) { return !o.alt_names.empty(); }},
    {id_email, 0, "email", "ADDRESS", bit(operation::mkrequest), "subjectAltName email address (also -email)",
     [](options& o, std::string_view v) { return add_alt_name(o, alt_name::kind::email, v); },
     [](const options& o) { return !o.alt_names.empty(); }},
    {id_challenge, 0, "challenge", "PASSWORD", bit(operation::mkrequest) | fleet_op | renew_op,
     "challenge password (same as the positional argument)", ASCEP_STRING(challenge)},
    {id_challenge_file, 0, "challenge-file", "FILE", bit(operation::mkrequest) | fleet_op | renew_op,
     "read the challenge password from FILE (not on the command line, where ps shows it; also ASCEP_CHALLENGE)",
     ASCEP_STRING(challenge_file)},
    {id_subject, 0, "subject", "DN", bit(operation::mkrequest), "subject, e.g. \"CN=gw1,O=Example\" (default CN=NAME)",
     set_subject, [](const options& o) { return !o.subject.empty(); }},
    {id_bits, 0, "bits", "N", bit(operation::mkrequest) | fleet_op | renew_op,
     "RSA key size (default 2048; renew: the old key's size)",
     [](options& o, std::string_view v) -> reason {
         std::uint64_t n = 0;
         if (auto r = parse_unsigned(v, min_key_bits, max_key_bits, n))
             return r;
         o.key_bits = static_cast<unsigned>(n);
         return std::nullopt;
     },
     ASCEP_OPTIONAL(key_bits)},
    // fleet
    {id_manifest, 0, "manifest", "FILE", fleet_op | status_op, "the devices: CSV with columns id,subject,dns,ip,email,challenge,key",
     ASCEP_STRING(manifest)},
    {id_shard, 0, "shard", "K/N", fleet_op,
     "enroll only the devices in shard K of N (SHA-256 of the id, mod N); each shard has its own --out",
     [](options& o, std::string_view v) -> reason {
         std::string why;
         auto shard = fleet::parse_shard(v, why);
         if (!shard)
             return why;
         o.shard = *shard;
         return std::nullopt;
     },
     ASCEP_OPTIONAL(shard)},
    {id_ca_fingerprint, 0, "ca-fingerprint", "SHA256", fleet_op,
     "trust the CA from GetCACert only if its certificate has this SHA-256 fingerprint",
     [](options& o, std::string_view v) -> reason {
         std::size_t digits = 0;
         for (char c : v) {
             if (std::isxdigit(static_cast<unsigned char>(c)))
                 ++digits;
             else if (c != ':' && c != ' ')
                 return quoted(v) + " is not a hex fingerprint";
         }
         if (digits != 64)
             return quoted(v) + " is not a SHA-256 fingerprint (64 hex digits)";
         o.ca_fingerprint = std::string(v);
         return std::nullopt;
     },
     ASCEP_STRING_SET(ca_fingerprint)},
    {id_concurrency, 0, "concurrency", "N", fleet_op, "at most N requests in flight (default 16)",
     [](options& o, std::string_view v) { return set_count(o.concurrency, v, 1, 100000); }, ASCEP_OPTIONAL(concurrency)},
    {id_rate, 0, "rate", "R", fleet_op, "start at most R requests per second (default: no limit)",
     [](options& o, std::string_view v) -> reason {
         double r = 0;
         const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), r);
         if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !(r > 0) || r > 1e6)
             return quoted(v) + " is not a rate (requests per second, > 0)";
         o.rate = r;
         return std::nullopt;
     },
     ASCEP_OPTIONAL(rate)},
    {id_crypto_threads, 0, "crypto-threads", "N", fleet_op, "key generation threads (default: one per core)",
     [](options& o, std::string_view v) { return set_count(o.crypto_threads, v, 1, 1024); },
     ASCEP_OPTIONAL(crypto_threads)},
    {id_retry_for, 0, "retry-for", "DURATION", fleet_op | enroll_ops,
     "ask again after refused connections, timeouts, HTTP 5xx and replies that are no SCEP message, with "
     "backoff, for DURATION per outage (fleet: per device, default 10m; enroll, renew: default 1m, not "
     "waiting for a CA never reached; 0: never; a bare number is seconds)",
     [](options& o, std::string_view v) -> reason {
         const auto d = io::parse_duration(v, 's');
         if (!d)
             return quoted(v) + " is not " + io::duration_syntax('s');
         o.retry_for = *d;
         return std::nullopt;
     },
     ASCEP_OPTIONAL(retry_for)},
    {id_retries, 0, "retries", "N", fleet_op,
     "also at most N such retries per device (default: no count, only --retry-for)",
     [](options& o, std::string_view v) { return set_count(o.retries, v, 0, 1000000); }, ASCEP_OPTIONAL(retries)},
    {id_retry_failures, 0, "retry-failures", "N", fleet_op,
     "answer a FAILURE reply with a fresh request up to N times (default 0)",
     [](options& o, std::string_view v) { return set_count(o.retry_failures, v, 0, 1000); },
     ASCEP_OPTIONAL(retry_failures)},
    {id_retry_failed, 0, "retry-failed", "", fleet_op, "try again the devices an earlier run left failed",
     ASCEP_FLAG(retry_failed)},
    {id_renew_within, 0, "renew-within", "DURATION", fleet_op,
     "renew issued devices whose certificate expires within DURATION (30d, 12h, 1d12h; a bare number is days)",
     set_renewal_window,
     ASCEP_OPTIONAL(renew_within)},
    {id_reuse_key, 0, "reuse-key", "", fleet_op | renew_op,
     "renew with the current key (renew: -k; fleet: each device's key.pem) instead of a new one",
     ASCEP_FLAG(reuse_key)},
    {id_jsonl, 0, "jsonl", "", fleet_op, "print one JSON object per device event on stdout", ASCEP_FLAG(jsonl)},
    {id_report, 0, "report", "FILE", fleet_op, "write a JSON summary of the run to FILE", ASCEP_STRING(report_file)},
    {id_progress, 0, "progress", "auto|plain|none", fleet_op,
     "progress line: in place on a terminal (auto), a line every few seconds (plain), or none",
     [](options& o, std::string_view v) -> reason {
         if (v != "auto" && v != "plain" && v != "none")
             return quoted(v) + " is not auto, plain or none";
         o.progress = std::string(v);
         return std::nullopt;
     },
     ASCEP_STRING_SET(progress)},

    // renew
    {id_within, 0, "within", "DURATION", renew_op | status_op,
     "renew when the certificate expires within DURATION (30d, 12h, 90m; a bare number is days); fleet status: "
     "list the devices due within DURATION (default 30d)",
     set_renewal_window,
     ASCEP_OPTIONAL(renew_within)},

    // metrics
    {id_metrics_file, 0, "metrics-file", "PATH", fleet_op | renew_op | status_op,
     "write Prometheus metrics to PATH (atomically; node_exporter's textfile collector), every 10 s and at the end",
     [](options& o, std::string_view v) -> reason {
         if (v.empty() || v.back() == '/')
             return quoted(v) + " is not a file name";
         o.metrics_file = std::string(v);
         return std::nullopt;
     },
     ASCEP_STRING_SET(metrics_file)},
    {id_metrics_listen, 0, "metrics-listen", "ADDRESS:PORT", fleet_op,
     "serve Prometheus metrics over HTTP at ADDRESS:PORT/metrics during the run (e.g. 127.0.0.1:9780)",
     [](options& o, std::string_view v) -> reason {
         std::string why;
         if (!fleet::parse_listen_address(v, why))
             return why;
         o.metrics_listen = std::string(v);
         return std::nullopt;
     },
     ASCEP_STRING_SET(metrics_listen)},

    {id_prefix, 0, "prefix", "PREFIX", bit(operation::mkrequest), "write PREFIX.key and PREFIX.csr (default local)",
     ASCEP_STRING(prefix)},
};

#undef ASCEP_FLAG
#undef ASCEP_STRING
#undef ASCEP_OPTIONAL
#undef ASCEP_STRING_SET

} // namespace

const option_spec* find_short(char c) noexcept
{
    for (const auto& s : table)
        if (s.short_name == c)
            return &s;
    return nullptr;
}

// Old long names that still work; not shown in the help.
constexpr std::pair<std::string_view, std::string_view> long_aliases[] = {
    {"tls-cacert", "cacert"},
};

const option_spec* find_long(std::string_view name) noexcept
{
    for (const auto& [alias, real] : long_aliases)
        if (name == alias)
            name = real;
    for (const auto& s : table)
        if (s.long_name == name)
            return &s;
    return nullptr;
}

std::span<const option_spec> option_table() noexcept
{
    return table;
}

const option_spec* find_option(int id) noexcept
{
    for (const auto& s : table)
        if (s.id == id)
            return &s;
    return nullptr;
}

std::string display_name(const option_spec& spec)
{
    if (spec.short_name != 0)
        return std::string("-") + spec.short_name;
    return "--" + std::string(spec.long_name);
}

} // namespace ascep::cli::detail
