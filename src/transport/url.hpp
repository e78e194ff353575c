// URLs and proxy specifications as ascep takes them on the command line and
// in config files. Pure: no Asio, no sockets, no allocation beyond strings.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ascep::transport {

enum class scheme { http, https };

/// 80 for http, 443 for https.
std::uint16_t default_port(scheme s) noexcept;

/// An absolute http:// or https:// URL, split for sending.
struct url {
    transport::scheme scheme = scheme::http;
    /// Host name or address, without the brackets of an IPv6 literal.
    std::string host;
    std::uint16_t port = 80;
    /// Path and query as sent in the request line ("/scep?operation=GetCACaps");
    /// never empty ("/" when the URL has no path). The fragment is dropped.
    std::string target;

    bool is_ipv6_literal() const noexcept;
    bool has_default_port() const noexcept { return port == default_port(scheme); }
    /// The Host header value: "host", "host:8080", "[::1]:8080" (port only when not default).
    std::string host_header() const;
    /// "host:port" with the port always present (brackets around IPv6).
    std::string authority() const;
    /// The URL in absolute form, as a proxy wants it: "http://[::1]:8080/scep?x=1".
    std::string to_string() const;
};

/// Parses `http://host[:port][/path][?query][#fragment]` and the https form.
/// Host is a name, an IPv4 address or a bracketed IPv6 literal.
/// Errors: errc::unsupported_scheme for any other scheme (ftp://, ...);
/// errc::bad_url for everything else (no scheme, empty host, bad port,
/// user info, spaces or control characters). explain_url_error() says why.
boost::system::result<url> parse_url(std::string_view text);

/// Why parse_url() or parse_proxy() rejected the text, for diagnostics::detail
/// (empty when the text parses).
std::string explain_url_error(std::string_view text);
std::string explain_proxy_error(std::string_view text);

/// An HTTP proxy, as sscep's `-p` and `Proxy` take it.
struct proxy_spec {
    std::string host;
    std::uint16_t port = 0;
    /// Basic credentials; both empty when none were given.
    std::string username;
    std::string password;
    bool has_credentials() const noexcept { return !username.empty() || !password.empty(); }
    /// "host:port" (brackets around IPv6), without credentials: safe to print.
    std::string authority() const;
};

/// Parses `host:port`, `user:pass@host:port`, and the URL forms
/// `http://host[:port][/]` and `http://user:pass@host:port` (credentials
/// percent-decoded in the URL form only; port defaults to 80 there).
/// The password may contain '@' and ':' in the bare form (split at the last '@').
/// Errors: errc::bad_url; errc::unsupported_scheme for https:// and others.
boost::system::result<proxy_spec> parse_proxy(std::string_view text);

} // namespace ascep::transport
