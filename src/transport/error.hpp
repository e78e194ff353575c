// ascep::transport errors, and the diagnostics that say what happened on the
// wire. No Asio or Beast here: the CLI and the engine include this freely.
#pragma once

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace ascep::transport {

enum class errc {
    /// The URL or proxy specification does not parse (diagnostics::detail says why).
    bad_url = 1,
    /// The scheme is not one we speak: anything but http:// and https://.
    unsupported_scheme,
    /// The host name did not resolve to any address.
    resolve_failed,
    /// No address of the host (or proxy) accepted a TCP connection.
    connect_failed,
    /// Name resolution did not finish within the resolve deadline.
    resolve_timeout,
    /// The TCP connection was not established within the connect deadline.
    connect_timeout,
    /// The request was not fully sent within the write deadline.
    write_timeout,
    /// The complete response was not received within the read deadline.
    read_timeout,
    /// The whole request (resolve, connect, write, read, retries) overran its deadline.
    operation_timeout,
    /// The peer closed the connection before a complete response arrived.
    connection_closed,
    /// The server answered with a status other than 2xx and 3xx (diagnostics::http_status).
    http_status,
    /// The server answered 3xx; redirects are not followed (diagnostics::location).
    redirect,
    /// The response body is larger than the configured limit; it was not read in full.
    body_too_large,
    /// The HTTP proxy answered 407 (credentials missing or wrong), or 401 to
    /// the credentials we sent (tinyproxy's answer to wrong ones).
    proxy_auth_required,
    /// The response is not valid HTTP/1.x.
    bad_response,
    /// The request itself is unusable (a header name or value with CR, LF or NUL).
    bad_request,
    /// The TLS handshake failed: the server's certificate is not trusted or not
    /// for the host (diagnostics::detail says which check), or no common protocol.
    tls_handshake_failed,
    /// The TLS handshake did not finish within the handshake deadline.
    handshake_timeout,
    /// The trust anchors could not be loaded (tls_options::ca_file / ca_path, or
    /// the system store); diagnostics::detail names the file.
    tls_setup_failed,
    /// The proxy refused to open a CONNECT tunnel for an https:// URL with a
    /// status other than 407 (diagnostics::http_status).
    proxy_tunnel_failed,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// Which deadline ended an operation.
enum class deadline { none, resolve, connect, write, read, operation, handshake };

/// Name of a deadline as used in messages: "resolve", "connect", "TLS handshake", ... "operation".
const char* to_string(deadline d) noexcept;

/// What the transport learnt while failing (or succeeding), so that one error
/// code can be rendered as a useful line. Filled as far as the request got;
/// fields that do not apply stay empty/zero. Like Boost.MySQL's diagnostics.
struct diagnostics {
    /// The URL asked for, as given.
    std::string url;
    /// Target authority "host:port" (brackets around IPv6 literals).
    std::string target;
    /// The endpoint we were connected or connecting to: "127.0.0.1:8080", "[::1]:8080".
    /// With a proxy, this is the proxy's endpoint.
    std::string peer;
    /// The proxy used, "host:port", or empty when none (also when NO_PROXY
    /// matched the target).
    std::string proxy;
    /// True when the exchange ran over TLS (an https:// URL).
    bool tls = false;
    /// HTTP status of the response, 0 when none was received.
    unsigned http_status = 0;
    /// Reason phrase of the response ("Not Found"), when one was received.
    std::string reason;
    /// The Location header of a 3xx response.
    std::string location;
    /// The deadline that fired, and its length.
    transport::deadline deadline = transport::deadline::none;
    std::chrono::milliseconds deadline_duration{0};
    /// The body size limit in force when errc::body_too_large was reported.
    std::size_t body_limit = 0;
    /// The lower-level reason: the system error text, the URL parse problem, ...
    std::string detail;
    /// True when the response came over a kept-alive connection.
    bool reused_connection = false;
    /// True when a kept-alive connection turned out closed by the server and
    /// the request was sent again on a fresh one.
    bool retried_stale_connection = false;
    /// How many connection attempts were made (connect retries, reconnects).
    unsigned connect_attempts = 0;
    /// The wait the Retry-After of a 503 or 429 asks for (delay-seconds or
    /// an HTTP-date; parse_retry_after), capped at a day; unset when absent
    /// or not understood.
    std::optional<std::chrono::seconds> retry_after;
    /// How many times the request was sent again after a 503 with
    /// Retry-After (engine::async_send).
    unsigned retried_after_503 = 0;

    void clear() { *this = diagnostics{}; }
};

/// One line describing a failure for a human, e.g.
/// "read timeout after 30 s from 127.0.0.1:8443",
/// "HTTP 302 redirect to http://x/y (not followed)",
/// "proxy 127.0.0.1:3128 requires authentication (HTTP 407)",
/// "TLS handshake with 127.0.0.1:8443 failed: certificate verify failed: hostname mismatch".
/// Error codes from other categories are rendered with their message().
std::string describe(const boost::system::error_code& ec, const diagnostics& diag);

/// A duration the way describe() prints it: "30 s", "1.5 s", "250 ms".
std::string format_duration(std::chrono::milliseconds d);

} // namespace ascep::transport

template <>
struct boost::system::is_error_code_enum<ascep::transport::errc> : std::true_type {};
