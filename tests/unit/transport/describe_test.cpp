#include "transport/error.hpp"

#include <boost/asio/error.hpp>
#include <catch2/catch.hpp>

using namespace ascep::transport;
using namespace std::chrono_literals;

TEST_CASE("transport errors have a category and messages")
{
    const boost::system::error_code ec = errc::read_timeout;
    CHECK(std::string(ec.category().name()) == "ascep.transport");
    CHECK(ec.message() == "read timeout");
    for (int v = static_cast<int>(errc::bad_url); v <= static_cast<int>(errc::proxy_tunnel_failed); ++v)
        CHECK(make_error_code(static_cast<errc>(v)).message() != "unknown transport error");
}

TEST_CASE("format_duration")
{
    CHECK(format_duration(30s) == "30 s");
    CHECK(format_duration(1500ms) == "1.5 s");
    CHECK(format_duration(250ms) == "250 ms");
    CHECK(format_duration(0ms) == "0 ms");
}

TEST_CASE("describe renders timeouts with the deadline and the peer")
{
    diagnostics d;
    d.target = "ca.example.com:8443";
    d.peer = "127.0.0.1:8443";
    d.deadline = deadline::read;
    d.deadline_duration = 30s;
    CHECK(describe(errc::read_timeout, d) == "read timeout after 30 s from 127.0.0.1:8443");

    d.deadline = deadline::connect;
    d.deadline_duration = 1500ms;
    CHECK(describe(errc::connect_timeout, d) == "connect timeout after 1.5 s to 127.0.0.1:8443");

    d.deadline = deadline::operation;
    d.deadline_duration = 120s;
    CHECK(describe(errc::operation_timeout, d) == "operation timeout after 120 s talking to 127.0.0.1:8443");

    diagnostics r;
    r.target = "ca.example.com:80";
    r.deadline = deadline::resolve;
    r.deadline_duration = 5s;
    CHECK(describe(errc::resolve_timeout, r) == "resolve timeout after 5 s for ca.example.com:80");
}

TEST_CASE("describe renders HTTP outcomes")
{
    diagnostics d;
    d.peer = "127.0.0.1:8080";
    d.http_status = 302;
    d.location = "http://x/y";
    CHECK(describe(errc::redirect, d) == "HTTP 302 redirect to http://x/y (not followed)");

    d.http_status = 500;
    d.reason = "Internal Server Error";
    CHECK(describe(errc::http_status, d) == "HTTP 500 Internal Server Error from 127.0.0.1:8080");

    d.body_limit = 1048576;
    CHECK(describe(errc::body_too_large, d) == "response body from 127.0.0.1:8080 exceeds the limit of 1048576 bytes");
}

TEST_CASE("describe renders proxy outcomes")
{
    diagnostics d;
    d.proxy = "127.0.0.1:3128";
    d.peer = "127.0.0.1:3128";
    d.target = "ca.example.com:80";
    d.http_status = 407;
    CHECK(describe(errc::proxy_auth_required, d) == "proxy 127.0.0.1:3128 requires authentication (HTTP 407)");

    d.deadline = deadline::read;
    d.deadline_duration = 2s;
    CHECK(describe(errc::read_timeout, d) ==
          "read timeout after 2 s from 127.0.0.1:3128 (proxy for ca.example.com:80)");
}

TEST_CASE("describe renders connection and URL failures")
{
    diagnostics d;
    d.target = "127.0.0.1:1";
    d.peer = "127.0.0.1:1";
    d.detail = "Connection refused";
    CHECK(describe(errc::connect_failed, d) == "cannot connect to 127.0.0.1:1: Connection refused");

    diagnostics u;
    u.url = "ftp://x/";
    u.detail = "scheme 'ftp' is not supported (use http:// or https://)";
    CHECK(describe(errc::unsupported_scheme, u) ==
          "unsupported scheme in 'ftp://x/': scheme 'ftp' is not supported (use http:// or https://)");

    diagnostics c;
    c.peer = "[::1]:8080";
    CHECK(describe(errc::connection_closed, c) == "connection closed by [::1]:8080 before a complete response");
    CHECK(describe({}, c) == "success");
}

TEST_CASE("describe falls back to the message of foreign error codes")
{
    diagnostics d;
    d.peer = "127.0.0.1:80";
    const boost::system::error_code aborted = boost::asio::error::operation_aborted;
    CHECK(describe(aborted, d) == aborted.message() + " talking to 127.0.0.1:80");
}

TEST_CASE("describe renders TLS outcomes")
{
    diagnostics d;
    d.target = "ca.example.com:443";
    d.peer = "192.0.2.7:443";
    d.detail = "certificate verify failed: unable to get local issuer certificate";
    CHECK(describe(errc::tls_handshake_failed, d) ==
          "TLS handshake with 192.0.2.7:443 failed: certificate verify failed: unable to get local issuer certificate");

    // Through a CONNECT tunnel the peer is the proxy; the certificate is the target's.
    d.proxy = "127.0.0.1:3128";
    d.peer = "127.0.0.1:3128";
    CHECK(describe(errc::tls_handshake_failed, d) ==
          "TLS handshake with ca.example.com:443 through proxy 127.0.0.1:3128 failed: certificate verify failed: "
          "unable to get local issuer certificate");

    diagnostics t;
    t.target = "ca.example.com:443";
    t.peer = "192.0.2.7:443";
    t.deadline = deadline::handshake;
    t.deadline_duration = 2s;
    CHECK(describe(errc::handshake_timeout, t) == "TLS handshake timeout after 2 s with 192.0.2.7:443");
    CHECK(std::string(to_string(deadline::handshake)) == "TLS handshake");

    diagnostics s;
    s.detail = "cannot load trust anchors from /nonexistent.pem: No such file or directory";
    CHECK(describe(errc::tls_setup_failed, s) ==
          "TLS setup failed: cannot load trust anchors from /nonexistent.pem: No such file or directory");

    diagnostics p;
    p.proxy = "127.0.0.1:3128";
    p.target = "ca.example.com:443";
    p.http_status = 403;
    p.reason = "Forbidden";
    CHECK(describe(errc::proxy_tunnel_failed, p) ==
          "proxy 127.0.0.1:3128 refused to tunnel to ca.example.com:443 (HTTP 403 Forbidden)");
}

TEST_CASE("describe renders a 401 to proxy credentials")
{
    diagnostics d;
    d.proxy = "127.0.0.1:3128";
    d.target = "ca.example.com:80";
    d.http_status = 401;
    CHECK(describe(errc::proxy_auth_required, d) ==
          "HTTP 401 Unauthorized through proxy 127.0.0.1:3128: the proxy rejected the credentials, or the server "
          "wants HTTP authentication");
    d.tls = true; // a 401 to CONNECT can only be the proxy's
    CHECK(describe(errc::proxy_auth_required, d) ==
          "proxy 127.0.0.1:3128 rejected the credentials (HTTP 401 Unauthorized)");
}
