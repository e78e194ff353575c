// A 503 with Retry-After as an HTTP-date (RFC 9110 §10.2.3), end to end:
// the engine's GetCACaps against a loopback server whose first answer is
// that 503. The parsing of both forms has unit tests (retry_after_test);
// this checks that the engine waits out a date and asks again, and that it
// does not wait for a date further off than it will wait.
#include "engine/endpoint.hpp"
#include "engine/operations.hpp"
#include "transport/error.hpp"
#include "transport/http_client.hpp"

#include "test_http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <exception>
#include <optional>
#include <string>

using namespace ascep;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

/// `t` as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string http_date(std::chrono::system_clock::time_point t)
{
    const std::time_t s = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&s, &utc);
    char text[64];
    const auto n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    return std::string(text, n);
}

struct caps_run {
    std::optional<boost::system::result<scep::ca_caps>> caps;
    transport::diagnostics diag;
    std::size_t requests = 0;
    double seconds = 0;
};

/// GetCACaps against a server that answers the first request 503 with
/// Retry-After `retry_after` (computed when the request arrives) and every
/// later one with the caps.
caps_run get_caps_after_503(std::function<std::string()> retry_after)
{
    asio::io_context ioc;
    test::http_server_options opts;
    opts.handler = [&, first = true](const test::recorded_request&) mutable -> std::optional<test::scripted_response> {
        test::scripted_response r;
        if (first) {
            first = false;
            r.status = 503;
            r.content_type = "text/plain";
            r.headers = {{"Retry-After", retry_after()}};
            return r;
        }
        r.content_type = "text/plain";
        const std::string caps = "POSTPKIOperation\nSHA-256\nAES\n";
        r.body.assign(caps.begin(), caps.end());
        return r;
    };
    test::test_http_server server(ioc, opts);
    transport::http_client http(ioc.get_executor());
    const engine::endpoint ep{&http, server.url("/scep"), {}};

    caps_run out;
    bool finished = false;
    std::exception_ptr thrown;
    const auto started = std::chrono::steady_clock::now();
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto c = co_await engine::async_get_caps(ep, out.diag);
            out.caps = std::move(c);
        },
        [&](std::exception_ptr e) {
            finished = true;
            thrown = e;
            ioc.stop();
        });
    ioc.run_for(20s);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    REQUIRE(finished);
    if (thrown)
        std::rethrow_exception(thrown);
    out.requests = server.requests().size();
    return out;
}

} // namespace

TEST_CASE("a 503 with Retry-After as an HTTP-date 2 s ahead is waited out, then the same request is sent again")
{
    const auto r = get_caps_after_503([] { return http_date(std::chrono::system_clock::now() + 2s); });
    REQUIRE(r.caps);
    REQUIRE(r.caps->has_value());
    CHECK(r.caps->value().keywords.size() == 3);
    CHECK(r.requests == 2);
    CHECK(r.diag.retried_after_503 == 1);
    // The date has a resolution of one second: now + 2 s, truncated, is
    // between 1 and 2 s away. No upper bound: a loaded machine is slower.
    WARN("waited " << r.seconds << " s");
    CHECK(r.seconds >= 0.9);
}

TEST_CASE("a 503 with Retry-After as an HTTP-date already past is asked again at once")
{
    const auto r = get_caps_after_503([] { return http_date(std::chrono::system_clock::now() - 1h); });
    REQUIRE(r.caps);
    REQUIRE(r.caps->has_value());
    CHECK(r.requests == 2);
    CHECK(r.diag.retried_after_503 == 1);
}

TEST_CASE("a 503 with Retry-After as an HTTP-date an hour ahead is not waited for: the 503 stands")
{
    const auto r = get_caps_after_503([] { return http_date(std::chrono::system_clock::now() + 1h); });
    REQUIRE(r.caps);
    REQUIRE_FALSE(r.caps->has_value());
    CHECK(r.caps->error() == transport::errc::http_status);
    CHECK(r.diag.http_status == 503);
    REQUIRE(r.diag.retry_after);
    CHECK(*r.diag.retry_after > 3500s);
    CHECK(r.requests == 1);
    CHECK(r.diag.retried_after_503 == 0);
}
