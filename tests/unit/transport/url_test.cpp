#include "transport/error.hpp"
#include "transport/proxy_env.hpp"
#include "transport/url.hpp"

#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <map>
#include <string>

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

TEST_CASE("no_proxy_matches: curl's rules")
{
    // Names: the entry and its subdomains, case-insensitive, leading dot optional.
    CHECK(no_proxy_matches("example.com", "example.com"));
    CHECK(no_proxy_matches("example.com", "ca.example.com"));
    CHECK(no_proxy_matches(".example.com", "ca.EXAMPLE.com"));
    CHECK(no_proxy_matches("example.com", "example.com."));
    CHECK_FALSE(no_proxy_matches("example.com", "badexample.com"));
    CHECK_FALSE(no_proxy_matches("ca.example.com", "example.com"));
    // Lists: commas and blanks; ports on entries are not compared.
    CHECK(no_proxy_matches("foo.test, bar.test ,localhost", "localhost"));
    CHECK(no_proxy_matches("foo.test bar.test", "x.bar.test"));
    CHECK(no_proxy_matches("ca.example.com:8080", "ca.example.com"));
    CHECK_FALSE(no_proxy_matches("", "localhost"));
    CHECK_FALSE(no_proxy_matches(" , ", "localhost"));
    // "*" alone matches everything; inside a list it is no wildcard.
    CHECK(no_proxy_matches("*", "anything.test"));
    CHECK(no_proxy_matches(" * ", "192.0.2.1"));
    CHECK_FALSE(no_proxy_matches("foo.test,*", "anything.test"));
    // Addresses: exact, or a CIDR block; no suffix matching.
    CHECK(no_proxy_matches("127.0.0.1", "127.0.0.1"));
    CHECK_FALSE(no_proxy_matches("0.0.1", "127.0.0.1"));
    CHECK(no_proxy_matches("10.0.0.0/8", "10.200.3.4"));
    CHECK_FALSE(no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
    CHECK(no_proxy_matches("192.168.1.0/25", "192.168.1.127"));
    CHECK_FALSE(no_proxy_matches("192.168.1.0/25", "192.168.1.128"));
    CHECK(no_proxy_matches("10.1.2.3:3128", "10.1.2.3"));
    CHECK(no_proxy_matches("::1", "::1"));
    CHECK(no_proxy_matches("[::1]", "::1"));
    CHECK(no_proxy_matches("::1", "[::1]"));
    CHECK(no_proxy_matches("[::1]:8443", "::1"));
    CHECK(no_proxy_matches("fd00::/8", "fd12:3456::1"));
    CHECK_FALSE(no_proxy_matches("fd00::/8", "fe80::1"));
    CHECK_FALSE(no_proxy_matches("10.0.0.0/99", "10.0.0.1"));
    CHECK_FALSE(no_proxy_matches("10.0.0.0/8", "ten.example"));
}

TEST_CASE("read_proxy_environment: lower case first, empty is unset, bad values reported")
{
    std::map<std::string, std::string> vars;
    const env_lookup lookup = [&vars](const char* name) -> const char* {
        const auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };

    auto none = read_proxy_environment(lookup);
    CHECK_FALSE(none.http);
    CHECK_FALSE(none.https);
    CHECK(none.no_proxy.empty());
    CHECK(none.problems.empty());

    vars = {{"http_proxy", "http://alice:s%40cret@proxy.lan:3128/"},
            {"HTTP_PROXY", "http://other:1"},
            {"HTTPS_PROXY", "proxy.lan:8080"},
            {"https_proxy", ""},
            {"NO_PROXY", "localhost,.corp"}};
    auto env = read_proxy_environment(lookup);
    REQUIRE(env.http);
    CHECK(env.http->host == "proxy.lan");
    CHECK(env.http->port == 3128);
    CHECK(env.http->username == "alice");
    CHECK(env.http->password == "s@cret");
    CHECK(env.http_source == "http_proxy");
    REQUIRE(env.https);
    CHECK(env.https->port == 8080);
    CHECK(env.https_source == "HTTPS_PROXY");
    CHECK(env.no_proxy == "localhost,.corp");
    CHECK(env.no_proxy_source == "NO_PROXY");

    // httpoxy: in a CGI program HTTP_PROXY comes from the client; only http_proxy counts.
    vars = {{"HTTP_PROXY", "http://evil:80"}, {"REQUEST_METHOD", "GET"}};
    CHECK_FALSE(read_proxy_environment(lookup).http);
    vars.erase("REQUEST_METHOD");
    CHECK(read_proxy_environment(lookup).http);

    vars = {{"https_proxy", "socks5://p:1080"}, {"http_proxy", "proxy-without-port"}};
    auto bad = read_proxy_environment(lookup);
    CHECK_FALSE(bad.http);
    CHECK_FALSE(bad.https);
    REQUIRE(bad.problems.size() == 2);
    CHECK_THAT(bad.problems[0], Catch::StartsWith("http_proxy 'proxy-without-port': "));
    CHECK_THAT(bad.problems[1], Catch::StartsWith("https_proxy 'socks5://p:1080': proxy scheme 'socks5'"));
}

TEST_CASE("select_proxy: -p for every scheme, else the scheme's own, never for NO_PROXY hosts")
{
    const auto http = *parse_url("http://ca.example.com/scep");
    const auto https = *parse_url("https://ca.example.com/scep");
    const auto local = *parse_url("https://127.0.0.1:8443/scep");
    const std::optional<proxy_spec> p = *parse_proxy("cli:1");
    const std::optional<proxy_spec> hp = *parse_proxy("plain:2");
    const std::optional<proxy_spec> sp = *parse_proxy("secure:3");
    const std::optional<proxy_spec> none;

    CHECK(select_proxy(http, p, hp, sp, "")->host == "cli");
    CHECK(select_proxy(https, p, hp, sp, "")->host == "cli");
    CHECK(select_proxy(http, none, hp, sp, "")->host == "plain");
    CHECK(select_proxy(https, none, hp, sp, "")->host == "secure");
    CHECK(select_proxy(https, none, hp, none, "") == nullptr); // http_proxy is not for https://
    CHECK(select_proxy(local, p, hp, sp, "127.0.0.0/8") == nullptr);
    CHECK(select_proxy(https, p, hp, sp, "example.com") == nullptr);
    CHECK(select_proxy(https, none, none, none, "") == nullptr);
}
