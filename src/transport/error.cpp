#include "transport/error.hpp"

#include <cstdio>
#include <string>

namespace ascep::transport {
namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ascep.transport"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::bad_url: return "malformed URL";
        case errc::unsupported_scheme: return "unsupported URL scheme";
        case errc::resolve_failed: return "host name did not resolve";
        case errc::connect_failed: return "cannot connect";
        case errc::resolve_timeout: return "resolve timeout";
        case errc::connect_timeout: return "connect timeout";
        case errc::write_timeout: return "write timeout";
        case errc::read_timeout: return "read timeout";
        case errc::operation_timeout: return "operation timeout";
        case errc::connection_closed: return "connection closed before a complete response";
        case errc::http_status: return "HTTP error status";
        case errc::redirect: return "HTTP redirect (not followed)";
        case errc::body_too_large: return "HTTP response body exceeds the size limit";
        case errc::proxy_auth_required: return "proxy requires authentication (HTTP 407)";
        case errc::bad_response: return "malformed HTTP response";
        case errc::bad_request: return "invalid HTTP request header";
        case errc::tls_handshake_failed: return "TLS handshake failed";
        case errc::handshake_timeout: return "TLS handshake timeout";
        case errc::tls_setup_failed: return "cannot load the TLS trust anchors";
        case errc::proxy_tunnel_failed: return "proxy refused the CONNECT tunnel";
        }
        return "unknown transport error";
    }
};

// " from 127.0.0.1:8080", " via proxy 127.0.0.1:3128" etc.; empty when unknown.
std::string where(const char* preposition, const diagnostics& d)
{
    std::string s;
    if (!d.peer.empty())
        s = std::string(" ") + preposition + " " + d.peer;
    else if (!d.target.empty())
        s = std::string(" ") + preposition + " " + d.target;
    if (!d.proxy.empty() && !d.target.empty())
        s += " (proxy for " + d.target + ")";
    return s;
}

std::string with_detail(std::string s, const diagnostics& d)
{
    if (!d.detail.empty())
        s += ": " + d.detail;
    return s;
}

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

const char* to_string(deadline d) noexcept
{
    switch (d) {
    case deadline::none: return "none";
    case deadline::resolve: return "resolve";
    case deadline::connect: return "connect";
    case deadline::write: return "write";
    case deadline::read: return "read";
    case deadline::operation: return "operation";
    case deadline::handshake: return "TLS handshake";
    }
    return "unknown";
}

std::string format_duration(std::chrono::milliseconds d)
{
    const auto ms = d.count();
    if (ms < 1000)
        return std::to_string(ms) + " ms";
    if (ms % 1000 == 0)
        return std::to_string(ms / 1000) + " s";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
    return buf;
}

std::string describe(const boost::system::error_code& ec, const diagnostics& d)
{
    if (!ec)
        return "success";
    if (ec.category() != error_category())
        return with_detail(ec.message(), d) + where("talking to", d);

    const auto after = " after " + format_duration(d.deadline_duration);
    const auto proxy = d.proxy.empty() ? d.peer : d.proxy;
    switch (static_cast<errc>(ec.value())) {
    case errc::bad_url:
        return with_detail("bad URL '" + d.url + "'", d);
    case errc::unsupported_scheme:
        return with_detail("unsupported scheme in '" + d.url + "'", d);
    case errc::resolve_failed:
        return with_detail("cannot resolve " + d.target, d);
    case errc::connect_failed:
        return with_detail("cannot connect to " + (d.peer.empty() ? d.target : d.peer), d) +
               (d.proxy.empty() ? std::string() : " (proxy for " + d.target + ")");
    case errc::resolve_timeout:
        return "resolve timeout" + after + " for " + d.target;
    case errc::connect_timeout:
        return "connect timeout" + after + where("to", d);
    case errc::write_timeout:
        return "write timeout" + after + where("to", d);
    case errc::read_timeout:
        return "read timeout" + after + where("from", d);
    case errc::operation_timeout:
        return "operation timeout" + after + where("talking to", d);
    case errc::connection_closed:
        return with_detail("connection closed" + where("by", d) + " before a complete response", d);
    case errc::http_status: {
        auto s = "HTTP " + std::to_string(d.http_status);
        if (!d.reason.empty())
            s += " " + d.reason;
        s += where("from", d);
        if (d.retry_after)
            s += " (Retry-After " + std::to_string(d.retry_after->count()) + " s" +
                 (d.retried_after_503 > 0 ? "; asked " + std::to_string(d.retried_after_503 + 1) + " times" : "") +
                 ")";
        return s;
    }
    case errc::redirect:
        return "HTTP " + std::to_string(d.http_status) + " redirect to " +
               (d.location.empty() ? std::string("(no Location)") : d.location) + " (not followed)";
    case errc::body_too_large:
        return "response body" + where("from", d) + " exceeds the limit of " + std::to_string(d.body_limit) +
               " bytes";
    case errc::proxy_auth_required:
        if (d.http_status == 401 && d.tls)
            return "proxy " + proxy + " rejected the credentials (HTTP 401 Unauthorized)";
        if (d.http_status == 401)
            return "HTTP 401 Unauthorized through proxy " + proxy +
                   ": the proxy rejected the credentials, or the server wants HTTP authentication";
        return "proxy " + proxy + " requires authentication (HTTP 407)";
    case errc::bad_response:
        return with_detail("malformed HTTP response" + where("from", d), d);
    case errc::bad_request:
        return with_detail("invalid request", d);
    case errc::tls_handshake_failed: {
        // Through a tunnel the peer is the proxy, but the certificate is the target's.
        const auto who = d.proxy.empty() ? (d.peer.empty() ? d.target : d.peer)
                                         : d.target + " through proxy " + d.proxy;
        return with_detail("TLS handshake with " + who + " failed", d);
    }
    case errc::handshake_timeout:
        return "TLS handshake timeout" + after + where("with", d);
    case errc::tls_setup_failed:
        return with_detail("TLS setup failed", d);
    case errc::proxy_tunnel_failed: {
        auto s = "proxy " + proxy + " refused to tunnel to " + d.target + " (HTTP " + std::to_string(d.http_status);
        if (!d.reason.empty())
            s += " " + d.reason;
        return s + ")";
    }
    }
    return ec.message();
}

} // namespace ascep::transport
