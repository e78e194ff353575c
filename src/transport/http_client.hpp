// HTTP/1.1 client over Beast: GET/POST with keep-alive, HTTPS (Asio ssl over
// OpenSSL), an HTTP proxy (absolute-form for http://, CONNECT for https://),
// per-step and whole-operation deadlines, a body size limit and connect
// retries. Beast and Asio ssl stay in transport's own files (client_state.hpp,
// exchange.hpp); this header pulls in only Asio's awaitable and executor.
#pragma once

#include "transport/error.hpp"
#include "transport/url.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ascep::transport {

using bytes = std::vector<std::uint8_t>;

namespace detail {
struct client_state;
} // namespace detail

enum class http_method { get, post };

struct request {
    http_method method = http_method::get;
    /// Absolute URL: http://host[:port]/path?query or https://...
    std::string url;
    /// Content-Type of the body; not sent when empty.
    std::string content_type;
    bytes body;
    /// Further headers (name, value). Host, Content-Length, Connection and
    /// Proxy-Authorization are set by the client and must not be given here.
    std::vector<std::pair<std::string, std::string>> headers;
};

struct response {
    unsigned status = 0;
    /// The Content-Type header as received (may be empty): the caller checks it.
    std::string content_type;
    bytes body;
};

/// Deadlines. Each step has its own; `operation` bounds the whole request
/// including reconnects. The read deadline covers the complete response
/// (header and body), so a server trickling bytes cannot hold us forever.
/// Through a proxy, the CONNECT request and its answer run under the write
/// and read deadlines.
struct timeouts {
    std::chrono::milliseconds resolve{std::chrono::seconds(30)};
    std::chrono::milliseconds connect{std::chrono::seconds(30)};
    std::chrono::milliseconds write{std::chrono::seconds(30)};
    std::chrono::milliseconds read{std::chrono::seconds(30)};
    std::chrono::milliseconds operation{std::chrono::seconds(120)};
    std::chrono::milliseconds handshake{std::chrono::seconds(30)};
};

/// How https:// servers are checked. TLS 1.2 or newer only; SNI is sent for
/// host names (not for IP literals).
struct tls_options {
    /// PEM file of trust anchors (--cacert). With ca_file or ca_path set the
    /// system store is not used.
    std::string ca_file;
    /// Directory of trust anchors in OpenSSL's hashed layout (--capath, c_rehash).
    std::string ca_path;
    /// Do not verify the certificate or the host name (--insecure). The caller
    /// warns the user; the transport only obeys.
    bool insecure = false;
};

struct client_options {
    /// HTTP proxy for every URL (-p). http:// requests go to it in absolute
    /// form with the target's Host header, plus Proxy-Authorization: Basic
    /// when the spec has credentials; https:// requests go through a CONNECT
    /// tunnel (credentials on the CONNECT only, never inside the tunnel).
    std::optional<proxy_spec> proxy;
    /// Used when `proxy` is unset: the proxy for http:// URLs and the one for
    /// https:// URLs (what the environment says; see proxy_env.hpp).
    std::optional<proxy_spec> http_proxy;
    std::optional<proxy_spec> https_proxy;
    /// Hosts reached without any proxy, in curl's NO_PROXY syntax
    /// (no_proxy_matches()); applies to `proxy` too, as in curl.
    std::string no_proxy;
    /// Certificate checks for https://.
    transport::tls_options tls;
    transport::timeouts timeouts;
    /// Largest response body accepted; a larger one fails with
    /// errc::body_too_large without being read in full.
    std::size_t max_body = 1024 * 1024;
    /// sscep's -W: keep retrying resolve+connect with backoff for this long
    /// before giving up. The window is added to timeouts.operation, so a long
    /// -W is not cut short by the whole-operation deadline. 0: one attempt.
    std::chrono::milliseconds connect_retry{0};
    /// Idle kept-alive connections kept per (proxy, scheme, host, port).
    std::size_t max_idle_per_host = 16;
    std::string user_agent = "ascep";
};

/// One client per io_context thread; requests may run concurrently on it
/// (each takes its own connection; idle ones are shared through the pool).
/// Not thread-safe: use it from its executor only.
class http_client {
public:
    explicit http_client(boost::asio::any_io_executor ex, client_options opts = {});
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// Sends `req` and reads the response. 2xx is a value; everything else is
    /// an error code (errc values; see error.hpp) and `diag` says what happened
    /// (status, Location, peer, the deadline that fired). `diag` is cleared
    /// first. 3xx gives errc::redirect (not followed), 407 through a proxy
    /// errc::proxy_auth_required, other statuses errc::http_status. https://
    /// adds errc::tls_handshake_failed, handshake_timeout, tls_setup_failed
    /// and, through a proxy, proxy_tunnel_failed.
    /// A kept-alive connection that the server has closed is retried once on
    /// a fresh connection, only when no response byte had arrived.
    /// Lifetimes: *this and `diag` must outlive the returned awaitable; `req`
    /// is taken by value. Never throws for network or HTTP errors.
    boost::asio::awaitable<boost::system::result<response>> async_request(request req, diagnostics& diag);

    /// Closes every idle kept-alive connection.
    void close_idle();
    /// Idle kept-alive connections currently pooled (all hosts).
    std::size_t idle_connections() const;

    const client_options& options() const noexcept;

private:
    std::shared_ptr<detail::client_state> impl_;
};

} // namespace ascep::transport
