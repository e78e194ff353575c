// transport::http_client against loopback servers started by each test.
// Every coroutine runs under ioc.run_for(limit) and the test fails if it has
// not finished. No traffic leaves 127.0.0.1 / ::1.
#include "test_http_server.hpp"
#include "transport/error.hpp"
#include "transport/http_client.hpp"
#include "transport/url.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <chrono>
#include <exception>
#include <functional>
#include <string>

namespace asio = boost::asio;
using namespace ascep::transport;
using namespace std::chrono_literals;
using ascep::test::http_server_options;
using ascep::test::test_http_server;
using clock_type = std::chrono::steady_clock;

namespace {

// Runs `body` as a coroutine on `ioc` for at most `limit`; fails the test
// when it has not finished by then, rethrows what it threw (REQUIRE failures).
// The loop stops as soon as `body` ends: the servers' accept loops would
// otherwise keep run_for() busy until the limit.
void run(asio::io_context& ioc, std::function<asio::awaitable<void>()> body, clock_type::duration limit = 10s)
{
    bool finished = false;
    std::exception_ptr thrown;
    ioc.restart();
    asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
        finished = true;
        thrown = e;
        ioc.stop();
    });
    ioc.run_for(limit);
    INFO("the coroutine did not finish within the run_for limit");
    REQUIRE(finished);
    if (thrown)
        std::rethrow_exception(thrown);
}

request get(std::string url)
{
    request r;
    r.url = std::move(url);
    return r;
}

request post(std::string url, bytes body, std::string type = "application/x-pki-message")
{
    request r;
    r.method = http_method::post;
    r.url = std::move(url);
    r.body = std::move(body);
    r.content_type = std::move(type);
    return r;
}

bytes binary_body(std::size_t n)
{
    bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>((i * 7 + i / 256) & 0xff);
    b[0] = 0;
    b[n - 1] = 0xff;
    return b;
}

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// A deadline test asserts that the deadline fired (the error code, checked by
// the caller) and that it did not fire before its time. The upper bound only
// catches a deadline that never fires; it is generous (2x plus a second)
// because a loaded 2-core machine under ASan delays timers, and speed belongs
// in tools/bench, not here.
void check_fired_on_time(double elapsed, double nominal)
{
    INFO("deadline " << nominal << " s fired after " << elapsed << " s");
    // The clock starts before the timer is armed and a steady_timer never
    // fires early; the millisecond covers rounding in the conversion.
    CHECK(elapsed >= nominal - 0.001);
    CHECK(elapsed <= 2 * nominal + 1.0);
}

client_options short_deadlines()
{
    client_options o;
    o.timeouts.resolve = 2s;
    o.timeouts.connect = 2s;
    o.timeouts.write = 2s;
    o.timeouts.read = 2s;
    o.timeouts.operation = 5s;
    return o;
}

} // namespace

TEST_CASE("GET round trip: request line, Host header, Content-Type")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto req = get(srv.url("/echo?operation=GetCACaps&message=CA%20ident"));
        req.headers.emplace_back("X-Reply-Content-Type", "application/x-x509-ca-cert");
        auto r = co_await client.async_request(std::move(req), diag);
        INFO(describe(r ? boost::system::error_code() : r.error(), diag));
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->content_type == "application/x-x509-ca-cert");
        CHECK(r->body.empty());
        CHECK(diag.peer == srv.authority());
        CHECK(diag.http_status == 200);
        CHECK_FALSE(diag.reused_connection);
    });
    REQUIRE(srv.requests().size() == 1);
    const auto& rec = srv.requests().front();
    CHECK(rec.method == "GET");
    CHECK(rec.target == "/echo?operation=GetCACaps&message=CA%20ident");
    CHECK(rec.host == srv.authority());
    CHECK(rec.proxy_authorization.empty());
}

TEST_CASE("POST round trip with a binary body")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    const auto body = binary_body(70000);
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto r = co_await client.async_request(post(srv.url("/echo?operation=PKIOperation"), body), diag);
        INFO(describe(r ? boost::system::error_code() : r.error(), diag));
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->content_type == "application/octet-stream");
        CHECK(r->body == body);
    });
    REQUIRE(srv.requests().size() == 1);
    const auto& rec = srv.requests().front();
    CHECK(rec.method == "POST");
    CHECK(rec.content_type == "application/x-pki-message");
    CHECK(rec.body == body);
}

TEST_CASE("keep-alive reuses one connection")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    run(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 5; ++i) {
            diagnostics diag;
            auto r = co_await client.async_request(post(srv.url("/echo"), binary_body(100 + i)), diag);
            REQUIRE(r);
            CHECK(r->body.size() == static_cast<std::size_t>(100 + i));
            CHECK(diag.reused_connection == (i > 0));
        }
        // An error status with a complete body keeps the connection too.
        diagnostics diag;
        auto r = co_await client.async_request(get(srv.url("/status/404")), diag);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::http_status);
        CHECK(diag.http_status == 404);
        CHECK(diag.reason == "Not Found");
        CHECK(describe(r.error(), diag) == "HTTP 404 Not Found from " + srv.authority());
    });
    CHECK(srv.accepted() == 1);
    CHECK(srv.requests().size() == 6);
    CHECK(client.idle_connections() == 1);
}

TEST_CASE("a server that closes after each response gets a fresh connection each time")
{
    asio::io_context ioc;
    http_server_options opts;
    opts.close_after_response = true;
    test_http_server srv(ioc, opts);
    http_client client(ioc.get_executor());
    run(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
            diagnostics diag;
            auto r = co_await client.async_request(get(srv.url("/echo")), diag);
            REQUIRE(r);
            CHECK_FALSE(diag.reused_connection);
        }
    });
    CHECK(srv.accepted() == 3);
    CHECK(client.idle_connections() == 0);
}

TEST_CASE("a kept-alive connection closed by the server is retried once on a fresh one")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto first = co_await client.async_request(get(srv.url("/echo")), diag);
        REQUIRE(first);
        REQUIRE(client.idle_connections() == 1);

        // Server-side idle close; let the FIN arrive before the next request.
        srv.close_connections();
        asio::steady_timer settle(ioc, 50ms);
        co_await settle.async_wait(asio::use_awaitable);

        const auto body = binary_body(3000);
        auto second = co_await client.async_request(post(srv.url("/echo"), body), diag);
        INFO(describe(second ? boost::system::error_code() : second.error(), diag));
        REQUIRE(second);
        CHECK(second->body == body);
        CHECK_FALSE(diag.reused_connection);
        CHECK(diag.retried_stale_connection);

        // Same again without giving the FIN time: the write may still succeed
        // and the read then sees the close.
        srv.close_connections();
        auto third = co_await client.async_request(get(srv.url("/echo")), diag);
        INFO(describe(third ? boost::system::error_code() : third.error(), diag));
        REQUIRE(third);
        CHECK(diag.retried_stale_connection);

        // A healthy kept-alive connection is not retried.
        auto fourth = co_await client.async_request(get(srv.url("/echo")), diag);
        REQUIRE(fourth);
        CHECK(diag.reused_connection);
        CHECK_FALSE(diag.retried_stale_connection);
    });
    CHECK(srv.accepted() == 3);
    CHECK(srv.requests().size() == 4);
}

TEST_CASE("a response cut short is connection_closed, not a retry")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto warm = co_await client.async_request(get(srv.url("/echo")), diag);
        REQUIRE(warm);
        // Reused connection, but response bytes arrived: no silent retry.
        auto r = co_await client.async_request(get(srv.url("/truncate")), diag);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::connection_closed);
        CHECK(diag.reused_connection);

        auto g = co_await client.async_request(get(srv.url("/garbage")), diag);
        REQUIRE_FALSE(g);
        CHECK(g.error() == errc::bad_response);
        CHECK_THAT(describe(g.error(), diag), Catch::StartsWith("malformed HTTP response from " + srv.authority()));
    });
    CHECK(srv.requests().size() == 3);
}

TEST_CASE("through a proxy: absolute form, the target's Host, Basic credentials")
{
    asio::io_context ioc;
    http_server_options opts;
    opts.proxy_credentials = "alice:s3cret";
    test_http_server proxy(ioc, opts);
    auto spec = parse_proxy("alice:s3cret@" + proxy.authority());
    REQUIRE(spec);
    client_options copts;
    copts.proxy = *spec;
    http_client client(ioc.get_executor(), copts);
    const auto body = binary_body(500);
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        // The target name is never resolved: only the proxy is contacted.
        auto r = co_await client.async_request(
            post("http://ca.example.test:8080/cgi-bin/pkiclient.exe?operation=PKIOperation", body), diag);
        INFO(describe(r ? boost::system::error_code() : r.error(), diag));
        REQUIRE(r);
        CHECK(r->body == body);
        CHECK(diag.proxy == proxy.authority());
        CHECK(diag.peer == proxy.authority());
        CHECK(diag.target == "ca.example.test:8080");

        auto again = co_await client.async_request(get("http://ca.example.test/scep?operation=GetCACaps"), diag);
        REQUIRE(again);
        CHECK(diag.reused_connection == false); // another target, another pooled key
    });
    REQUIRE(proxy.requests().size() == 2);
    const auto& rec = proxy.requests()[0];
    CHECK(rec.method == "POST");
    CHECK(rec.target == "http://ca.example.test:8080/cgi-bin/pkiclient.exe?operation=PKIOperation");
    CHECK(rec.host == "ca.example.test:8080");
    CHECK(rec.proxy_authorization == "Basic YWxpY2U6czNjcmV0");
    CHECK(proxy.requests()[1].target == "http://ca.example.test/scep?operation=GetCACaps");
    CHECK(proxy.requests()[1].host == "ca.example.test");
}

TEST_CASE("a proxy answering 407 gives proxy_auth_required")
{
    asio::io_context ioc;
    http_server_options opts;
    opts.proxy_credentials = "alice:s3cret";
    test_http_server proxy(ioc, opts);

    auto check_rejected = [&](const std::string& spec_text) {
        INFO(spec_text);
        auto spec = parse_proxy(spec_text);
        REQUIRE(spec);
        client_options copts;
        copts.proxy = *spec;
        http_client client(ioc.get_executor(), copts);
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            auto r = co_await client.async_request(get("http://ca.example.test/scep"), diag);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::proxy_auth_required);
            CHECK(diag.http_status == 407);
            CHECK(describe(r.error(), diag) ==
                  "proxy " + proxy.authority() + " requires authentication (HTTP 407)");
        });
    };
    check_rejected("alice:wrong@" + proxy.authority());
    check_rejected(proxy.authority());
    check_rejected("http://alice:s3cre@" + proxy.authority());
    REQUIRE(proxy.requests().size() == 3);
    CHECK(proxy.requests()[1].proxy_authorization.empty());
}

TEST_CASE("a server that never answers: read_timeout on time")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    auto opts = short_deadlines();
    opts.timeouts.read = 1s;
    http_client client(ioc.get_executor(), opts);
    double elapsed = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        const auto start = clock_type::now();
        auto r = co_await client.async_request(get(srv.url("/stall")), diag);
        elapsed = seconds_since(start);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::read_timeout);
        CHECK(diag.deadline == deadline::read);
        CHECK(diag.deadline_duration == 1s);
        CHECK(describe(r.error(), diag) == "read timeout after 1 s from " + srv.authority());
    });
    check_fired_on_time(elapsed, 1.0);
    CHECK(client.idle_connections() == 0);
}

TEST_CASE("a server sending a byte a second: read or operation timeout by name")
{
    asio::io_context ioc;
    test_http_server srv(ioc);

    SECTION("read deadline")
    {
        auto opts = short_deadlines();
        opts.timeouts.read = 2500ms;
        http_client client(ioc.get_executor(), opts);
        double elapsed = 0;
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            const auto start = clock_type::now();
            auto r = co_await client.async_request(get(srv.url("/slow")), diag);
            elapsed = seconds_since(start);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::read_timeout);
            CHECK(diag.deadline == deadline::read);
            CHECK(describe(r.error(), diag) == "read timeout after 2.5 s from " + srv.authority());
        });
        check_fired_on_time(elapsed, 2.5);
    }
    SECTION("whole-operation deadline")
    {
        auto opts = short_deadlines();
        opts.timeouts.read = 30s;
        opts.timeouts.operation = 1500ms;
        http_client client(ioc.get_executor(), opts);
        double elapsed = 0;
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            const auto start = clock_type::now();
            auto r = co_await client.async_request(get(srv.url("/slow")), diag);
            elapsed = seconds_since(start);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::operation_timeout);
            CHECK(diag.deadline == deadline::operation);
            CHECK(diag.deadline_duration == 1500ms);
            CHECK(describe(r.error(), diag) == "operation timeout after 1.5 s talking to " + srv.authority());
        });
        check_fired_on_time(elapsed, 1.5);
    }
}

TEST_CASE("a 10 MB body is refused without reading it all")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    for (const char* path : {"/big", "/big-chunked"}) {
        INFO(path);
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            auto r = co_await client.async_request(get(srv.url(path)), diag);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::body_too_large);
            CHECK(diag.body_limit == 1024 * 1024);
            CHECK(describe(r.error(), diag) ==
                  "response body from " + srv.authority() + " exceeds the limit of 1048576 bytes");
        });
    }
    CHECK(client.idle_connections() == 0);

    client_options big;
    big.max_body = 11 * 1024 * 1024;
    http_client roomy(ioc.get_executor(), big);
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto r = co_await roomy.async_request(get(srv.url("/big-chunked")), diag);
        REQUIRE(r);
        CHECK(r->body.size() == 10u * 1024 * 1024);
    });
}

TEST_CASE("a 302 is reported with its Location, not followed")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto r = co_await client.async_request(get(srv.url("/redirect")), diag);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::redirect);
        CHECK(diag.http_status == 302);
        CHECK(diag.location == srv.url("/elsewhere"));
        CHECK(describe(r.error(), diag) == "HTTP 302 redirect to " + srv.url("/elsewhere") + " (not followed)");
    });
    REQUIRE(srv.requests().size() == 1);
}

TEST_CASE("connection refused is connect_failed, quickly")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    srv.stop_listening();
    http_client client(ioc.get_executor());
    double elapsed = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        const auto start = clock_type::now();
        auto r = co_await client.async_request(get(srv.url("/echo")), diag);
        elapsed = seconds_since(start);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::connect_failed);
        CHECK(diag.connect_attempts == 1);
        CHECK_THAT(describe(r.error(), diag), Catch::StartsWith("cannot connect to " + srv.authority() + ": "));
        CHECK_THAT(describe(r.error(), diag), Catch::Contains("refused"));
    });
    // No retries (connect_attempts is 1); the bound only catches a wait.
    CHECK(elapsed < 1.0);
}

TEST_CASE("connect retry (-W) waits for the server to come up")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    srv.stop_listening();

    SECTION("server comes back within the window")
    {
        client_options opts;
        opts.connect_retry = 5s;
        http_client client(ioc.get_executor(), opts);
        asio::steady_timer later(ioc, 700ms);
        later.async_wait([&](boost::system::error_code) { srv.resume_listening(); });
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            auto r = co_await client.async_request(get(srv.url("/echo")), diag);
            INFO(describe(r ? boost::system::error_code() : r.error(), diag));
            REQUIRE(r);
            CHECK(diag.connect_attempts >= 2);
        });
    }
    SECTION("server stays down: connect_failed after the window")
    {
        client_options opts;
        opts.connect_retry = 1s;
        http_client client(ioc.get_executor(), opts);
        double elapsed = 0;
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            const auto start = clock_type::now();
            auto r = co_await client.async_request(get(srv.url("/echo")), diag);
            elapsed = seconds_since(start);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::connect_failed);
            CHECK(diag.connect_attempts >= 3);
        });
        // The window is a deadline too: the last attempt starts when it closes.
        check_fired_on_time(elapsed, 1.0);
    }
}

TEST_CASE("a peer that does not read: write_timeout")
{
    asio::io_context ioc;
    // Accepts and then never reads, so the kernel buffers fill up.
    asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(ioc);
    acceptor.async_accept(held, [](boost::system::error_code) {});
    auto opts = short_deadlines();
    opts.timeouts.write = 500ms;
    http_client client(ioc.get_executor(), opts);
    const auto port = std::to_string(acceptor.local_endpoint().port());
    double elapsed = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        // Built before the clock starts: filling 64 MB is not the write's time.
        auto req = post("http://127.0.0.1:" + port + "/scep", bytes(64 * 1024 * 1024));
        const auto start = clock_type::now();
        auto r = co_await client.async_request(std::move(req), diag);
        elapsed = seconds_since(start);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::write_timeout);
        CHECK(describe(r.error(), diag) == "write timeout after 500 ms to 127.0.0.1:" + port);
    });
    check_fired_on_time(elapsed, 0.5);
}

TEST_CASE("concurrent requests on one client use separate connections, then pool them")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    http_client client(ioc.get_executor());
    int done = 0;
    int ended = 0;
    for (int i = 0; i < 3; ++i) {
        asio::co_spawn(
            ioc,
            [&, i]() -> asio::awaitable<void> {
                diagnostics diag;
                auto r = co_await client.async_request(post(srv.url("/echo"), binary_body(1000 + i)), diag);
                if (r && r->body.size() == static_cast<std::size_t>(1000 + i))
                    ++done;
            },
            [&](std::exception_ptr) {
                if (++ended == 3)
                    ioc.stop();
            });
    }
    ioc.run_for(10s);
    REQUIRE(ended == 3);
    CHECK(done == 3);
    CHECK(srv.accepted() == 3);
    CHECK(client.idle_connections() == 3);
}

TEST_CASE("IPv6 loopback [::1]")
{
    if (!ascep::test::ipv6_loopback_available()) {
        // Reported, not silently passed: the run log says the case did not run.
        WARN("::1 is not configured on this machine: the IPv6 round trip was NOT exercised");
        SUCCEED("IPv6 unavailable");
        return;
    }
    asio::io_context ioc;
    http_server_options opts;
    opts.ipv6 = true;
    test_http_server srv(ioc, opts);
    REQUIRE(srv.authority() == "[::1]:" + std::to_string(srv.port()));
    http_client client(ioc.get_executor());
    const auto body = binary_body(1234);
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto r = co_await client.async_request(post(srv.url("/echo"), body), diag);
        INFO(describe(r ? boost::system::error_code() : r.error(), diag));
        REQUIRE(r);
        CHECK(r->body == body);
        CHECK(diag.peer == srv.authority());
    });
    REQUIRE(srv.requests().size() == 1);
    CHECK(srv.requests()[0].host == srv.authority());
}

TEST_CASE("malformed URLs and headers fail before any I/O")
{
    asio::io_context ioc;
    http_client client(ioc.get_executor());
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto bad = co_await client.async_request(get("http//127.0.0.1/scep"), diag);
        REQUIRE_FALSE(bad);
        CHECK(bad.error() == errc::bad_url);
        CHECK_THAT(describe(bad.error(), diag), Catch::StartsWith("bad URL 'http//127.0.0.1/scep'"));

        auto ftp = co_await client.async_request(get("ftp://127.0.0.1/scep"), diag);
        REQUIRE_FALSE(ftp);
        CHECK(ftp.error() == errc::unsupported_scheme);

        auto inject = get("http://127.0.0.1:1/scep");
        inject.headers.emplace_back("X-Evil", "a\r\nHost: other");
        auto hdr = co_await client.async_request(std::move(inject), diag);
        REQUIRE_FALSE(hdr);
        CHECK(hdr.error() == errc::bad_request);
    });
}

TEST_CASE("a connect that never completes: connect_timeout on time")
{
    asio::io_context ioc;
    // A listener whose accept queue is full drops further SYNs: the connect hangs.
    asio::ip::tcp::acceptor acceptor(ioc, asio::ip::tcp::v4());
    acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor.listen(0);
    const auto port = acceptor.local_endpoint().port();
    asio::ip::tcp::socket filler(ioc);
    filler.connect({asio::ip::make_address("127.0.0.1"), port});

    auto opts = short_deadlines();
    opts.timeouts.connect = 800ms;
    http_client client(ioc.get_executor(), opts);
    double elapsed = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        const auto start = clock_type::now();
        auto r = co_await client.async_request(get("http://127.0.0.1:" + std::to_string(port) + "/scep"), diag);
        elapsed = seconds_since(start);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::connect_timeout);
        CHECK(diag.deadline == deadline::connect);
        CHECK(describe(r.error(), diag) == "connect timeout after 800 ms to 127.0.0.1:" + std::to_string(port));
    });
    check_fired_on_time(elapsed, 0.8);
}

TEST_CASE("https: a server that never answers the ClientHello gives handshake_timeout on time")
{
    asio::io_context ioc;
    asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(ioc);
    acceptor.async_accept(held, [](boost::system::error_code) {});
    auto opts = short_deadlines();
    opts.timeouts.handshake = 1200ms;
    // No trust store to load (that is not the handshake's time); the deadline
    // is the same either way.
    opts.tls.insecure = true;
    http_client client(ioc.get_executor(), opts);
    const auto authority = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    double elapsed = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        const auto start = clock_type::now();
        auto r = co_await client.async_request(get("https://" + authority + "/scep"), diag);
        elapsed = seconds_since(start);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::handshake_timeout);
        CHECK(diag.deadline == deadline::handshake);
        CHECK(diag.tls);
        CHECK(describe(r.error(), diag) == "TLS handshake timeout after 1.2 s with " + authority);
    });
    check_fired_on_time(elapsed, 1.2);
}

TEST_CASE("https to a plain HTTP server, and unusable trust anchors, fail by name")
{
    asio::io_context ioc;
    test_http_server srv(ioc);
    const auto url = "https://" + srv.authority() + "/echo";
    http_client client(ioc.get_executor(), short_deadlines());
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto r = co_await client.async_request(get(url), diag);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::tls_handshake_failed);
        CHECK_THAT(describe(r.error(), diag), Catch::StartsWith("TLS handshake with " + srv.authority() + " failed: "));
    });

    auto missing = short_deadlines();
    missing.tls.ca_file = "/nonexistent/ascep-ca.pem";
    http_client no_file(ioc.get_executor(), missing);
    auto not_dir = short_deadlines();
    not_dir.tls.ca_path = "/nonexistent/ascep-ca.d";
    http_client no_dir(ioc.get_executor(), not_dir);
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto r = co_await no_file.async_request(get(url), diag);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::tls_setup_failed);
        CHECK_THAT(describe(r.error(), diag),
                   Catch::StartsWith("TLS setup failed: cannot load trust anchors from /nonexistent/ascep-ca.pem"));
        // Plain http:// on the same client needs no trust anchors.
        auto plain = co_await no_file.async_request(get(srv.url("/echo")), diag);
        CHECK(plain);

        auto d = co_await no_dir.async_request(get(url), diag);
        REQUIRE_FALSE(d);
        CHECK(d.error() == errc::tls_setup_failed);
        CHECK_THAT(describe(d.error(), diag), Catch::Contains("/nonexistent/ascep-ca.d is not a directory"));
    });
}

TEST_CASE("https through a proxy: CONNECT with credentials; 407 names the proxy")
{
    asio::io_context ioc;
    http_server_options opts;
    opts.proxy_credentials = "alice:s3cret";
    test_http_server proxy(ioc, opts);
    client_options copts = short_deadlines();
    copts.proxy = *parse_proxy("alice:wrong@" + proxy.authority());
    http_client client(ioc.get_executor(), copts);
    run(ioc, [&]() -> asio::awaitable<void> {
        diagnostics diag;
        auto r = co_await client.async_request(get("https://ca.example.test:8443/scep?operation=GetCACaps"), diag);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::proxy_auth_required);
        CHECK(diag.http_status == 407);
        CHECK(describe(r.error(), diag) == "proxy " + proxy.authority() + " requires authentication (HTTP 407)");
    });
    REQUIRE(proxy.requests().size() == 1);
    const auto& rec = proxy.requests()[0];
    CHECK(rec.method == "CONNECT");
    CHECK(rec.target == "ca.example.test:8443");
    CHECK(rec.host == "ca.example.test:8443");
    CHECK(rec.proxy_authorization == "Basic YWxpY2U6d3Jvbmc=");
}

TEST_CASE("per-scheme proxies and NO_PROXY decide the route")
{
    asio::io_context ioc;
    http_server_options popts;
    popts.proxy_credentials = "u:p";
    test_http_server proxy(ioc, popts);
    test_http_server direct(ioc);

    SECTION("http_proxy carries http:// in absolute form")
    {
        client_options o;
        o.http_proxy = *parse_proxy("u:p@" + proxy.authority());
        http_client client(ioc.get_executor(), o);
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            auto r = co_await client.async_request(get("http://ca.example.test/scep"), diag);
            INFO(describe(r ? boost::system::error_code() : r.error(), diag));
            REQUIRE(r);
            CHECK(diag.proxy == proxy.authority());
        });
        REQUIRE(proxy.requests().size() == 1);
        CHECK(proxy.requests()[0].target == "http://ca.example.test/scep");
    }
    SECTION("https_proxy is not used for http://")
    {
        client_options o;
        o.https_proxy = *parse_proxy("u:p@" + proxy.authority());
        http_client client(ioc.get_executor(), o);
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            auto r = co_await client.async_request(get(direct.url("/echo")), diag);
            REQUIRE(r);
            CHECK(diag.proxy.empty());
        });
        CHECK(proxy.requests().empty());
        CHECK(direct.requests().size() == 1);
    }
    SECTION("NO_PROXY sends a matching host direct, even past -p")
    {
        client_options o;
        o.proxy = *parse_proxy("u:p@" + proxy.authority());
        o.no_proxy = "example.test, 127.0.0.0/8";
        http_client client(ioc.get_executor(), o);
        run(ioc, [&]() -> asio::awaitable<void> {
            diagnostics diag;
            auto r = co_await client.async_request(get(direct.url("/echo")), diag);
            REQUIRE(r);
            CHECK(diag.proxy.empty());
            CHECK(diag.peer == direct.authority());
        });
        CHECK(proxy.requests().empty());
        REQUIRE(direct.requests().size() == 1);
        CHECK(direct.requests()[0].target == "/echo");
        CHECK(direct.requests()[0].proxy_authorization.empty());
    }
}
