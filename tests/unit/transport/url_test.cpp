#include "transport/error.hpp"
#include "transport/url.hpp"

#include <catch2/catch.hpp>
#include "catch_result.hpp"

using namespace ascep::transport;

TEST_CASE("parse_url splits http URLs")
{
    auto u = parse_url("http://ca.example.com/cgi-bin/pkiclient.exe?operation=GetCACaps&message=x");
    REQUIRE(u);
    CHECK(u->scheme == scheme::http);
    CHECK(u->host == "ca.example.com");
    CHECK(u->port == 80);
    CHECK(u->target == "/cgi-bin/pkiclient.exe?operation=GetCACaps&message=x");
    CHECK(u->host_header() == "ca.example.com");
    CHECK(u->authority() == "ca.example.com:80");
    CHECK(u->has_default_port());
    CHECK_FALSE(u->is_ipv6_literal());
    CHECK(u->to_string() == "http://ca.example.com/cgi-bin/pkiclient.exe?operation=GetCACaps&message=x");
}

TEST_CASE("parse_url: ports, default ports and Host header")
{
    auto u = parse_url("http://10.0.0.1:8080/scep");
    REQUIRE(u);
    CHECK(u->host == "10.0.0.1");
    CHECK(u->port == 8080);
    CHECK(u->host_header() == "10.0.0.1:8080");
    CHECK(u->to_string() == "http://10.0.0.1:8080/scep");

    auto explicit_default = parse_url("http://host:80/x");
    REQUIRE(explicit_default);
    CHECK(explicit_default->host_header() == "host");

    auto s = parse_url("https://ca.example.com/scep");
    REQUIRE(s);
    CHECK(s->scheme == scheme::https);
    CHECK(s->port == 443);
    CHECK(s->host_header() == "ca.example.com");

    auto s2 = parse_url("HTTPS://ca.example.com:8443/scep");
    REQUIRE(s2);
    CHECK(s2->port == 8443);
    CHECK(s2->host_header() == "ca.example.com:8443");

    auto empty_port = parse_url("http://host:/x");
    REQUIRE(empty_port);
    CHECK(empty_port->port == 80);
}

TEST_CASE("parse_url: path defaults and fragments")
{
    auto bare = parse_url("http://host");
    REQUIRE(bare);
    CHECK(bare->target == "/");
    auto query_only = parse_url("http://host:81?operation=GetCACert");
    REQUIRE(query_only);
    CHECK(query_only->port == 81);
    CHECK(query_only->target == "/?operation=GetCACert");
    auto fragment = parse_url("http://host/scep#frag");
    REQUIRE(fragment);
    CHECK(fragment->target == "/scep");
}

TEST_CASE("parse_url: IPv6 literals")
{
    auto u = parse_url("http://[::1]:8080/scep");
    REQUIRE(u);
    CHECK(u->host == "::1");
    CHECK(u->port == 8080);
    CHECK(u->is_ipv6_literal());
    CHECK(u->host_header() == "[::1]:8080");
    CHECK(u->authority() == "[::1]:8080");
    CHECK(u->to_string() == "http://[::1]:8080/scep");

    auto d = parse_url("http://[2001:db8::5]/scep");
    REQUIRE(d);
    CHECK(d->host == "2001:db8::5");
    CHECK(d->host_header() == "[2001:db8::5]");
}

TEST_CASE("parse_url rejects what it cannot send")
{
    const char* bad[] = {
        "",
        "ca.example.com/scep",             // no scheme
        "http://",                         // no host
        "http:///scep",                    // empty host
        "http://host:0/",                  // port 0
        "http://host:65536/",              // port too large
        "http://host:80a/",                // junk in port
        "http://host:-1/",                 //
        "http://[::1/scep",                // unterminated bracket
        "http://[nothex]/",                // not an IPv6 address
        "http://[::1]x/",                  // junk after bracket
        "http://::1:8080/",                // IPv6 without brackets
        "http://user:pw@host/",            // user info
        "http://host/a b",                 // space
        "http://host/a\r\nX: y",           // header injection
        "http://ho st/",                   //
        "http://host\x01/",                //
        "://host/",                        //
    };
    for (const char* text : bad) {
        INFO(text);
        const auto u = parse_url(text);
        REQUIRE_FALSE(u);
        CHECK(u.error() == errc::bad_url);
        CHECK_FALSE(explain_url_error(text).empty());
    }
}

TEST_CASE("parse_url reports other schemes as unsupported")
{
    for (const char* text : {"ftp://host/", "file:///etc/passwd", "ldap://host"}) {
        INFO(text);
        const auto u = parse_url(text);
        REQUIRE_FALSE(u);
        CHECK(u.error() == errc::unsupported_scheme);
    }
    CHECK_THAT(explain_url_error("ftp://host/"), Catch::Contains("ftp"));
    CHECK(explain_url_error("http://host/").empty());
}

TEST_CASE("parse_proxy: sscep host:port")
{
    auto p = parse_proxy("proxy.example.com:3128");
    REQUIRE(p);
    CHECK(p->host == "proxy.example.com");
    CHECK(p->port == 3128);
    CHECK_FALSE(p->has_credentials());
    CHECK(p->authority() == "proxy.example.com:3128");

    auto v6 = parse_proxy("[::1]:3128");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->authority() == "[::1]:3128");
}

TEST_CASE("parse_proxy: credentials")
{
    auto p = parse_proxy("alice:s3cret@10.1.2.3:8080");
    REQUIRE(p);
    CHECK(p->username == "alice");
    CHECK(p->password == "s3cret");
    CHECK(p->has_credentials());
    CHECK(p->host == "10.1.2.3");
    CHECK(p->port == 8080);
    CHECK(p->authority() == "10.1.2.3:8080");

    // Bare form: split at the last '@', the first ':'; no percent-decoding.
    auto tricky = parse_proxy("bob:p@ss:w%41rd@proxy:3128");
    REQUIRE(tricky);
    CHECK(tricky->username == "bob");
    CHECK(tricky->password == "p@ss:w%41rd");

    auto url_form = parse_proxy("http://carol:p%40ss@proxy.local:3128");
    REQUIRE(url_form);
    CHECK(url_form->username == "carol");
    CHECK(url_form->password == "p@ss");
    CHECK(url_form->port == 3128);

    auto user_only = parse_proxy("dave@proxy:1");
    REQUIRE(user_only);
    CHECK(user_only->username == "dave");
    CHECK(user_only->password.empty());
}

TEST_CASE("parse_proxy: URL form")
{
    auto p = parse_proxy("http://proxy.local:3128/");
    REQUIRE(p);
    CHECK(p->host == "proxy.local");
    CHECK(p->port == 3128);
    auto default_port = parse_proxy("http://proxy.local");
    REQUIRE(default_port);
    CHECK(default_port->port == 80);
}

TEST_CASE("parse_proxy rejects malformed specifications")
{
    for (const char* text : {"", "proxy", "proxy:", "proxy:99999", ":3128", "@proxy:3128", ":pw@proxy:3128",
                             "http://proxy:3128/path", "http://u:%zz@proxy:1", "pro xy:3128", "::1:3128"}) {
        INFO(text);
        const auto p = parse_proxy(text);
        REQUIRE_FALSE(p);
        CHECK(p.error() == errc::bad_url);
        CHECK_FALSE(explain_proxy_error(text).empty());
    }
    const auto tls = parse_proxy("https://proxy:443");
    REQUIRE_FALSE(tls);
    CHECK(tls.error() == errc::unsupported_scheme);
}
