// ascep's library API, part 1: a connection to one SCEP CA. Everything that
// talks to the CA (ascep::async_enroll, the CA queries) goes through one
// client, which owns the HTTP connections (kept alive and reused), the proxy
// and TLS settings and the request limits. A client lives on one executor
// (one io_context thread) and is used from it only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <botan/x509cert.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ascep {

struct client_options {
    /// The CA's SCEP URL: http://host[:port]/path or https://...
    std::string url;
    /// Extra query parameters added to every request (sscep's -M name=value).
    std::vector<std::pair<std::string, std::string>> query;
    /// HTTP proxy "host:port" or "user:password@host:port"; empty: the
    /// environment's HTTP_PROXY / HTTPS_PROXY / NO_PROXY when
    /// proxy_from_environment, else none.
    std::string proxy;
    bool proxy_from_environment = true;
    /// https:// trust anchors: a PEM file and/or an OpenSSL hashed directory;
    /// both empty: the system store. `insecure` skips verification entirely.
    std::string tls_ca_file;
    std::string tls_ca_path;
    bool insecure = false;
    /// Deadline for each whole HTTP exchange (every step is bounded by it
    /// too); zero: the transport's defaults (30 s a step, 120 s in all).
    std::chrono::milliseconds timeout{0};
    /// Keep retrying to connect for this long (sscep's -W); zero: once.
    std::chrono::milliseconds connect_retry{0};
    /// At most this many HTTP requests in flight at once; 0: no limit.
    unsigned max_in_flight = 0;
    /// At most this many requests started per second; 0: no limit.
    double max_rate = 0;
};

class client;

/// Builds a client, or nullopt with `why` set for a bad URL or proxy.
std::optional<client> make_client(boost::asio::any_io_executor ex, const client_options& opts, std::string& why);

class client {
public:
    struct impl;
    explicit client(std::unique_ptr<impl> state);
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    ~client();

    /// The library's own parts reach the transport through this.
    impl& internals() noexcept { return *impl_; }

private:
    std::unique_ptr<impl> impl_;
};

/// What a failed call saw: the error and one line explaining it, with the
/// transport's details ("read timeout after 30 s from 127.0.0.1:8080").
struct call_error {
    boost::system::error_code code;
    std::string text;
    /// Asking again later may help: the CA was unreachable, slow, overloaded
    /// (5xx) or closed on us, or sent something that is no SCEP reply at all.
    bool transient = false;
};

/// GetCACaps: the capability keywords, one per element ("POSTPKIOperation").
/// An HTTP 4xx counts as "no capabilities" (RFC 8894 §3.5.2); a 5xx is an
/// error (the CA is failing, not telling us it has no capabilities).
/// `c` must outlive the call.
boost::asio::awaitable<std::pair<std::vector<std::string>, std::optional<call_error>>> async_get_capabilities(
    client& c);

/// GetCACert: the CA's certificate, or its RA and CA certificates.
/// `c` must outlive the call.
boost::asio::awaitable<std::pair<std::vector<Botan::X509_Certificate>, std::optional<call_error>>>
async_get_ca_certificates(client& c, std::string ca_identifier = {});

} // namespace ascep
