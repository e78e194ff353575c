// The Prometheus text a run writes (fleet/metrics): families, labels and
// their escaping, the histogram's cumulative buckets, the expiry book, the
// last success read back from an earlier file, --metrics-listen's syntax.
// promtool's own check of these files is in the integration tests.
#include "fleet/listen_address.hpp"
#include "fleet/metrics.hpp"

#include <catch2/catch.hpp>

using namespace ascep;

namespace {

bool has_line(const std::string& text, const std::string& line)
{
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("metrics: counters, the duration histogram and retries")
{
    fleet::metrics m({{"source", "run"}, {"dir", "/var/lib/a\"b\\c"}});
    m.request("PKCSReq", "pending", 0.2);
    m.request("PKCSReq", "pending", 3);
    m.request("CertPoll", "issued", 200);
    m.retry("transient");
    const auto text = m.render(1000);
    const std::string l = R"(source="run",dir="/var/lib/a\"b\\c")";
    CHECK(has_line(text, "# TYPE ascep_requests_total counter"));
    CHECK(has_line(text, "ascep_requests_total{" + l + R"(,operation="PKCSReq",result="pending"} 2)"));
    CHECK(has_line(text, "ascep_requests_total{" + l + R"(,operation="CertPoll",result="issued"} 1)"));
    CHECK(has_line(text, "# TYPE ascep_request_duration_seconds histogram"));
    CHECK(has_line(text, "ascep_request_duration_seconds_bucket{" + l + R"(,operation="PKCSReq",le="0.1"} 0)"));
    CHECK(has_line(text, "ascep_request_duration_seconds_bucket{" + l + R"(,operation="PKCSReq",le="0.25"} 1)"));
    CHECK(has_line(text, "ascep_request_duration_seconds_bucket{" + l + R"(,operation="PKCSReq",le="5"} 2)"));
    CHECK(has_line(text, "ascep_request_duration_seconds_bucket{" + l + R"(,operation="PKCSReq",le="+Inf"} 2)"));
    CHECK(has_line(text, "ascep_request_duration_seconds_sum{" + l + R"(,operation="PKCSReq"} 3.2)"));
    CHECK(has_line(text, "ascep_request_duration_seconds_count{" + l + R"(,operation="PKCSReq"} 2)"));
    // Over the last bound: only +Inf counts it.
    CHECK(has_line(text, "ascep_request_duration_seconds_bucket{" + l + R"(,operation="CertPoll",le="120"} 0)"));
    CHECK(has_line(text, "ascep_request_duration_seconds_bucket{" + l + R"(,operation="CertPoll",le="+Inf"} 1)"));
    CHECK(has_line(text, "ascep_retries_total{" + l + R"(,reason="transient"} 1)"));
    CHECK(has_line(text, "ascep_retries_total{" + l + R"(,reason="failure"} 0)"));
    CHECK(has_line(text, "ascep_last_success_timestamp_seconds{" + l + "} 0"));
    // Never set: left out.
    CHECK(text.find("ascep_devices") == std::string::npos);
    CHECK(text.find("ascep_certificates") == std::string::npos);
}

TEST_CASE("metrics: devices, expiry and the run")
{
    fleet::expiry_book book;
    const std::int64_t now = 1'800'000'000;
    book.add(now + 86400);
    book.add(now + 86400);
    book.add(now + 40 * 86400);
    book.add(now + 400 * 86400);
    book.remove(now + 86400);
    book.remove(now + 5); // not held: no change
    CHECK(book.size() == 3);
    CHECK(*book.soonest() == now + 86400);
    CHECK(book.before(now + 41 * 86400) == 2);

    fleet::metrics m(fleet::metrics::labels{{"source", "run"}});
    m.set_devices({{"issued", 7}, {"pending", 2}});
    m.set_expiry(book, now);
    m.set_last_success(now - 60);
    m.set_run(now - 100, true);
    const auto text = m.render(now + 10);
    CHECK(has_line(text, R"(ascep_devices{source="run",state="issued"} 7)"));
    CHECK(has_line(text, R"(ascep_devices{source="run",state="pending"} 2)"));
    CHECK(has_line(text, R"(ascep_certificates{source="run"} 3)"));
    CHECK(has_line(text, R"(ascep_certificates_expiring{source="run",within_days="7"} 1)"));
    CHECK(has_line(text, R"(ascep_certificates_expiring{source="run",within_days="30"} 1)"));
    CHECK(has_line(text, R"(ascep_certificates_expiring{source="run",within_days="90"} 2)"));
    CHECK(has_line(text, R"(ascep_certificate_soonest_expiry_timestamp_seconds{source="run"} 1800086400)"));
    CHECK(has_line(text, R"(ascep_certificate_soonest_expiry_seconds{source="run"} 86390)"));
    CHECK(has_line(text, R"(ascep_run_in_progress{source="run"} 1)"));
    CHECK(has_line(text, R"(ascep_last_success_timestamp_seconds{source="run"} 1799999940)"));
    CHECK(fleet::last_success_in(text) == now - 60);
    CHECK_FALSE(fleet::last_success_in("ascep_last_success_timestamp_seconds_x 5\n"));
    CHECK_FALSE(fleet::last_success_in(""));
}

TEST_CASE("--metrics-listen: ADDRESS:PORT with an IP literal")
{
    std::string why;
    auto a = fleet::parse_listen_address("127.0.0.1:9780", why);
    REQUIRE(a);
    CHECK(a->ip == "127.0.0.1");
    CHECK(a->port == 9780);
    a = fleet::parse_listen_address("[::1]:0", why);
    REQUIRE(a);
    CHECK(a->ip == "::1");
    CHECK(a->port == 0);
    for (const char* bad : {"9780", "localhost:9780", "127.0.0.1:", "127.0.0.1:65536", ":80", "::1:80", "1.2.3.4:x"}) {
        INFO(bad);
        CHECK_FALSE(fleet::parse_listen_address(bad, why));
        CHECK_FALSE(why.empty());
    }
}
