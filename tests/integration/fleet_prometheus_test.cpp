// The metrics as the monitoring stack reads them (issue 22): a real
// Prometheus (Debian `prometheus`) scraping `ascep fleet --metrics-listen`
// every second while 300 devices go through ascep-testca --pending 2, read
// back through its HTTP API; and node_exporter's textfile collector
// (Debian `prometheus-node-exporter`) serving a --metrics-file. Each
// server is this test's own process on a free loopback port, stopped by PID.
#include "fleet_fixture.hpp"

#include "background_process.hpp"
#include "run_process.hpp"
#include "text_files.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

using namespace ascep;
using test::slurp;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// GET http://127.0.0.1:PORT/TARGET, HTTP/1.0, the body ("" when the
/// server cannot be reached or does not answer 200).
std::string http_get(std::uint16_t port, const std::string& target)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return {};
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string response;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string req = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
            char buf[8192];
            for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
                response.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    if (response.rfind("HTTP/1.", 0) != 0 || response.find(" 200 ") != 8)
        return {};
    const auto body = response.find("\r\n\r\n");
    return body == std::string::npos ? std::string() : response.substr(body + 4);
}

std::string url_encode(const std::string& s)
{
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

/// Prometheus's instant query: the value of the single series it returns,
/// or nullopt (no series yet, or Prometheus not answering).
std::optional<double> query(std::uint16_t port, const std::string& promql)
{
    const auto body = http_get(port, "/api/v1/query?query=" + url_encode(promql));
    if (body.empty())
        return std::nullopt;
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || v.at("status") != "success")
        return std::nullopt;
    const auto& result = v.at("data").at("result").as_array();
    if (result.size() != 1)
        return std::nullopt;
    return std::stod(std::string(result[0].at("value").as_array()[1].as_string()));
}

/// Polls `condition` every 200 ms for at most `limit`; whether it came true.
template <class F>
bool wait_until(F condition, std::chrono::seconds limit)
{
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (condition())
            return true;
        std::this_thread::sleep_for(200ms);
    }
    return condition();
}

} // namespace

TEST_CASE("Prometheus scrapes a fleet run's --metrics-listen: pending during the run, issued at the end")
{
    test::fleet_fixture f({"--pending", "2"});
    test::write_manifest(f.dir.file("devices.csv"), 300);
    const auto metrics_port = test::free_port();
    const auto prom_port = test::free_port();
    fs::create_directories(f.dir.file("prometheus"));
    std::ofstream(f.dir.file("prometheus/prometheus.yml"))
        << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: ascep\n    static_configs:\n      - targets: ['127.0.0.1:" << metrics_port
        << "']\n";
    test::background_process prometheus(
        {"prometheus", "--config.file=" + f.path("prometheus/prometheus.yml"),
         "--storage.tsdb.path=" + f.path("prometheus/data"), "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
        f.dir.file("prometheus.log"));
    prometheus.wait_for_port(prom_port, 60s);
    REQUIRE(wait_until([&] { return !http_get(prom_port, "/-/ready").empty(); }, 60s));

    auto args = f.fleet_args("devices.csv", "out",
                             {"-t", "1", "--bits", "1024", "--metrics-listen",
                              "127.0.0.1:" + std::to_string(metrics_port)});
    args.insert(args.begin(), ASCEP_PATH);
    test::background_process fleet(args, f.dir.file("fleet.log"));

    // While the run goes on: Prometheus has scraped devices PENDING at the CA.
    const std::string pending = R"(ascep_devices{job="ascep",state="pending"})";
    double seen = 0;
    const bool saw_pending = wait_until(
        [&] {
            if (const auto v = query(prom_port, pending))
                seen = std::max(seen, *v);
            return seen > 0 || !fleet.running();
        },
        300s);
    CHECK(saw_pending);
    CHECK(seen > 0);
    CHECK(fleet.running()); // read during the run, not after it
    const auto in_progress = query(prom_port, R"(ascep_run_in_progress{job="ascep"})");
    CHECK(in_progress == 1.0);

    const int code = fleet.wait_exit();
    INFO(slurp(f.dir.file("fleet.log")));
    REQUIRE(code == 0);
    // The run waited for one more scrape before it ended: the last sample
    // Prometheus holds is the final count (last_over_time: the target is
    // gone now, and its series are marked stale).
    const auto issued = query(prom_port, R"(last_over_time(ascep_devices{job="ascep",state="issued"}[10m]))");
    REQUIRE(issued);
    CHECK(*issued == 300);
    const auto polls = query(prom_port,
                             R"(last_over_time(ascep_requests_total{job="ascep",operation="CertPoll",result="issued"}[10m]))");
    REQUIRE(polls);
    CHECK(*polls == 300);
    CHECK(query(prom_port, R"(last_over_time(ascep_run_in_progress{job="ascep"}[10m]))") == 0.0);
    prometheus.kill(SIGTERM);
}

TEST_CASE("node_exporter's textfile collector serves a fleet's --metrics-file")
{
    test::fleet_fixture f({});
    test::write_manifest(f.dir.file("devices.csv"), 5);
    fs::create_directories(f.dir.file("textfile"));
    const auto r = f.ascep(f.fleet_args("devices.csv", "out", {"--metrics-file", f.path("textfile/ascep_fleet.prom")}));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    const auto s = f.ascep({"fleet", "status", "--out", f.path("out"), "--metrics-file",
                            f.path("textfile/ascep_fleet_status.prom")});
    REQUIRE(s.exit_code == 0);

    const auto port = test::free_port();
    test::background_process exporter({"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                       "--collector.disable-defaults", "--collector.textfile",
                                       "--collector.textfile.directory=" + f.path("textfile")},
                                      f.dir.file("node_exporter.log"));
    exporter.wait_for_port(port, 30s);
    const auto body = http_get(port, "/metrics");
    INFO(body.substr(0, 4000));
    const std::string dir = f.path("out");
    CHECK(body.find("ascep_devices{dir=\"" + dir + "\",source=\"run\",state=\"issued\"} 5") != std::string::npos);
    CHECK(body.find("ascep_devices{dir=\"" + dir + "\",source=\"status\",state=\"issued\"} 5") != std::string::npos);
    CHECK(body.find("ascep_certificates_expiring{dir=\"" + dir + "\",source=\"status\",within_days=\"7\"} 0") !=
          std::string::npos);
    // Both files read, neither refused (the collector reports a bad file here).
    CHECK(body.find("node_textfile_scrape_error 0") != std::string::npos);
    exporter.kill(SIGTERM);
}
