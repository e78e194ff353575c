// Which proxy a URL goes through: the proxy environment variables as curl
// reads them, and NO_PROXY matching. Pure: the environment is read through a
// function the caller passes (std::getenv in the CLI, a map in tests).
#pragma once

#include "transport/url.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ascep::transport {

/// Looks up one environment variable; nullptr when it is not set.
using env_lookup = std::function<const char*(const char*)>;

/// The proxies the environment asks for.
struct proxy_environment {
    /// For http:// URLs: http_proxy, else HTTP_PROXY. The upper-case name is
    /// ignored when REQUEST_METHOD is set: in a CGI program HTTP_PROXY comes
    /// from the client's "Proxy:" header ("httpoxy"), as Go's net/http ignores it.
    std::optional<proxy_spec> http;
    /// For https:// URLs (through CONNECT): https_proxy, else HTTPS_PROXY.
    std::optional<proxy_spec> https;
    /// no_proxy, else NO_PROXY, verbatim (see no_proxy_matches()).
    std::string no_proxy;
    /// The variables that supplied http, https and no_proxy ("https_proxy"), for -v.
    std::string http_source;
    std::string https_source;
    std::string no_proxy_source;
    /// Variables that are set but unusable, one line each:
    /// "HTTPS_PROXY 'socks5://p:1080': proxy scheme 'socks5' is not supported (use http://)".
    /// Such a variable is treated as unset.
    std::vector<std::string> problems;
};

/// Reads http_proxy/HTTP_PROXY, https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY;
/// the lower-case name wins, as in curl. An empty value counts as unset. Values
/// are `http://[user:pass@]host[:port][/]` (port 80 when absent, as Go and
/// Python read it; curl assumes 1080) or `[user:pass@]host:port`.
proxy_environment read_proxy_environment(const env_lookup& getenv);

/// True when `host` must be reached without a proxy according to `list`, with
/// curl's NO_PROXY rules: entries separated by commas or blanks; "*" alone
/// matches every host; a name matches itself and its subdomains
/// ("example.com" and ".example.com" both match "ca.example.com", not
/// "badexample.com"); an IP address matches only itself, or a CIDR block
/// ("10.0.0.0/8", "fd00::/8"); IPv6 entries may be bracketed; case is ignored;
/// a ":port" on a name entry is ignored (curl does not compare ports).
bool no_proxy_matches(std::string_view list, std::string_view host);

/// The proxy a request for `target` goes through, or nullptr for a direct
/// connection: `explicit_proxy` (-p) for every scheme when given, else the
/// scheme's own (`http_proxy` or `https_proxy`); none when `no_proxy` matches.
const proxy_spec* select_proxy(const url& target, const std::optional<proxy_spec>& explicit_proxy,
                               const std::optional<proxy_spec>& http_proxy,
                               const std::optional<proxy_spec>& https_proxy, std::string_view no_proxy);

} // namespace ascep::transport
