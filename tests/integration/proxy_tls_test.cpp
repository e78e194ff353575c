// The ascep binary (and the transport under it) through real parts started by
// the test on 127.0.0.1: Debian's tinyproxy with Basic auth in front of the
// Debian scepserver, Debian's nginx terminating TLS in front of it with a
// throwaway CA, and tinyproxy's CONNECT to nginx. Plus the small stalling,
// slow, oversized and redirecting servers of tests/support, through the binary.
// No traffic leaves the loopback interface.
#include "ascep_workdir.hpp"
#include "run_process.hpp"
#include "scepserver.hpp"
#include "temp_dir.hpp"
#include "threaded_http_server.hpp"
#include "tinyproxy.hpp"
#include "tls_front.hpp"

#include "transport/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include "catch_result.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

using namespace ascep;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// The proxy variables of whoever runs the tests must not steer these runs;
// each test sets what it needs.
void clear_proxy_environment()
{
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
                             "all_proxy", "ALL_PROXY", "REQUEST_METHOD"})
        ::unsetenv(name);
}

// Sets an environment variable for the lifetime of the object.
struct scoped_env {
    scoped_env(const char* n, const std::string& value) : name(n) { ::setenv(name, value.c_str(), 1); }
    ~scoped_env() { ::unsetenv(name); }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;
    const char* name;
};

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

struct fixture : test::ascep_workdir {
    fixture() { clear_proxy_environment(); }

    test::scepserver server;


    /// mkrequest for `prefix` (challenge "secret", scepserver's).
    void mkrequest(const std::string& prefix) const
    {
        const auto r = ascep({"mkrequest", "--prefix", path(prefix), "-dns", prefix + ".example.com", "secret"});
        INFO(r.errors);
        REQUIRE(r.exit_code == 0);
    }

    /// getca then enroll through whatever `extra` says (proxy, TLS options),
    /// against `url`; checks the certificate with openssl.
    void getca_and_enroll(const std::string& url, const std::vector<std::string>& extra, const std::string& tag) const
    {
        std::vector<std::string> getca{"getca", "-u", url, "-c", path(tag + "-ca.crt"), "-v"};
        getca.insert(getca.end(), extra.begin(), extra.end());
        auto r = ascep(getca);
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
        REQUIRE(exists(tag + "-ca.crt"));

        mkrequest(tag);
        std::vector<std::string> enroll{"enroll", "-u", url, "-c", path(tag + "-ca.crt"), "-k", path(tag + ".key"),
                                        "-r", path(tag + ".csr"), "-l", path(tag + ".crt"), "-v"};
        enroll.insert(enroll.end(), extra.begin(), extra.end());
        r = ascep(enroll);
        INFO(r.output << r.errors);
        REQUIRE(r.exit_code == 0);
        CHECK(contains(r.output, "pkistatus: SUCCESS"));
        const auto v = test::run_process({"openssl", "verify", "-CAfile", path(tag + "-ca.crt"), path(tag + ".crt")});
        CHECK(contains(v.output, ": OK"));
    }
};

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

} // namespace

TEST_CASE_METHOD(fixture, "getca and enroll through tinyproxy with Basic auth; its log shows the requests")
{
    test::tinyproxy proxy;
    getca_and_enroll(server.url(), {"-p", proxy.spec()}, "viaproxy");
    const auto log = proxy.log();
    INFO(log);
    const auto target = "http://127.0.0.1:" + std::to_string(server.port()) + "/scep?operation=";
    CHECK(contains(log, "GET " + target + "GetCACert"));
    CHECK(contains(log, "GET " + target + "GetCACaps"));
    CHECK(contains(log, "POST " + target + "PKIOperation"));

    SECTION("the config key Proxy and the environment reach the same proxy")
    {
        dir.write("proxy.conf", "Proxy " + proxy.spec() + "\n");
        auto r = ascep({"getcaps", "-u", server.url() + "?from=config", "-f", path("proxy.conf")});
        INFO(r.errors);
        CHECK(r.exit_code == 0);
        {
            scoped_env env("http_proxy", "http://" + proxy.spec());
            r = ascep({"getcaps", "-u", server.url() + "?from=env", "-v"});
            INFO(r.output << r.errors);
            CHECK(r.exit_code == 0);
            CHECK(contains(r.output, "using proxy " + proxy.authority() + " (http_proxy)"));
        }
        {
            // NO_PROXY wins, as in curl: the request goes direct.
            scoped_env env("HTTP_PROXY", "http://" + proxy.spec());
            scoped_env skip("NO_PROXY", "example.com, 127.0.0.0/8");
            r = ascep({"getcaps", "-u", server.url() + "?from=bypass", "-v"});
            INFO(r.output << r.errors);
            CHECK(r.exit_code == 0);
            CHECK(contains(r.output, "not using proxy " + proxy.authority() + " for 127.0.0.1 (NO_PROXY)"));
        }
        const auto later = proxy.log();
        CHECK(contains(later, "from=config"));
        CHECK(contains(later, "from=env"));
        CHECK_FALSE(contains(later, "from=bypass"));
    }
}

TEST_CASE_METHOD(fixture, "wrong proxy credentials: exit 95 naming the proxy, nothing written")
{
    test::tinyproxy proxy;
    // tinyproxy 1.11 answers wrong credentials with 401, missing ones with 407.
    auto r = ascep({"getca", "-u", server.url(), "-c", path("ca.crt"), "-p", "scep:wrong@" + proxy.authority()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "HTTP 401 Unauthorized through proxy " + proxy.authority() +
                                 ": the proxy rejected the credentials"));
    CHECK_FALSE(exists("ca.crt"));

    r = ascep({"getca", "-u", server.url(), "-c", path("ca.crt"), "-p", proxy.authority()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "proxy " + proxy.authority() + " requires authentication (HTTP 407)"));
    CHECK_FALSE(exists("ca.crt"));

    // For an https:// URL the CONNECT is refused.
    r = ascep({"getca", "-u", "https://127.0.0.1:1/scep", "-c", path("ca.crt"), "-p", proxy.authority()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "proxy " + proxy.authority() + " requires authentication (HTTP 407)"));
    r = ascep({"getca", "-u", "https://127.0.0.1:1/scep", "-c", path("ca.crt"), "-p",
               "scep:wrong@" + proxy.authority()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "proxy " + proxy.authority() + " rejected the credentials (HTTP 401 Unauthorized)"));
    CHECK_FALSE(exists("ca.crt"));

    // enroll: nothing written either.
    const auto good = ascep({"getca", "-u", server.url(), "-c", path("ca.crt")});
    REQUIRE(good.exit_code == 0);
    mkrequest("local");
    r = ascep({"enroll", "-u", server.url(), "-c", path("ca.crt"), "-k", path("local.key"), "-r", path("local.csr"),
               "-l", path("local.crt"), "-p", "scep:wrong@" + proxy.authority()});
    INFO(r.output << r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "through proxy " + proxy.authority() + ": the proxy rejected the credentials"));
    CHECK_FALSE(exists("local.crt"));
}

TEST_CASE_METHOD(fixture, "getca and enroll through nginx TLS, by IP address and by name, --cacert and --capath")
{
    test::tls_front tls(server.port());
    getca_and_enroll(tls.url(), {"--cacert", tls.ca_cert().string()}, "byip");
    getca_and_enroll("https://localhost:" + std::to_string(tls.port()) + "/scep",
                     {"--capath", tls.ca_dir().string()}, "byname");
    // The old spelling still works.
    const auto r = ascep({"getcaps", "-u", tls.url(), "--tls-cacert", tls.ca_cert().string()});
    INFO(r.errors);
    CHECK(r.exit_code == 0);
    CHECK(contains(tls.access_log(), "GET /scep?operation=GetCACert"));
}

TEST_CASE_METHOD(fixture, "through tinyproxy to nginx TLS with CONNECT")
{
    test::tls_front tls(server.port());
    test::tinyproxy_options po;
    po.connect_ports = {tls.port()};
    test::tinyproxy proxy(po);
    getca_and_enroll(tls.url(), {"-p", proxy.spec(), "--cacert", tls.ca_cert().string()}, "tunnel");
    {
        scoped_env env("HTTPS_PROXY", proxy.spec());
        const auto r = ascep({"getcaps", "-u", tls.url(), "--cacert", tls.ca_cert().string(), "-v"});
        INFO(r.output << r.errors);
        CHECK(r.exit_code == 0);
        CHECK(contains(r.output, "using proxy " + proxy.authority() + " (HTTPS_PROXY)"));
    }
    const auto log = proxy.log();
    INFO(log);
    CHECK(contains(log, "CONNECT 127.0.0.1:" + std::to_string(tls.port())));
    // Inside the tunnel the proxy sees no SCEP request.
    CHECK_FALSE(contains(log, "operation=GetCACert"));

    // A port tinyproxy does not tunnel to: its refusal is reported.
    const auto r = ascep({"getcaps", "-u", "https://127.0.0.1:" + std::to_string(tls.other_port()) + "/scep",
                          "--cacert", tls.ca_cert().string(), "-p", proxy.spec()});
    INFO(r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "proxy " + proxy.authority() + " refused to tunnel to 127.0.0.1:"));
}

TEST_CASE_METHOD(fixture, "wrong TLS trust anchor or host name: exit 95 naming the failure, nothing written")
{
    test::tls_front tls(server.port());
    const auto peer = "127.0.0.1:" + std::to_string(tls.port());

    auto r = ascep({"getca", "-u", tls.url(), "-c", path("ca.crt"), "--cacert", tls.wrong_ca_cert().string()});
    INFO(r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "TLS handshake with " + peer + " failed: certificate verify failed: unable to get "
                             "local issuer certificate"));
    CHECK_FALSE(exists("ca.crt"));

    // The system store does not know the throwaway CA either.
    r = ascep({"getca", "-u", tls.url(), "-c", path("ca.crt")});
    INFO(r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "certificate verify failed"));
    CHECK_FALSE(exists("ca.crt"));

    // Trusted issuer, but the certificate is for another name.
    const auto other = std::to_string(tls.other_port());
    r = ascep({"getca", "-u", "https://127.0.0.1:" + other + "/scep", "-c", path("ca.crt"), "--cacert",
               tls.ca_cert().string()});
    INFO(r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "certificate verify failed: IP address mismatch (the certificate is not for "
                             "'127.0.0.1')"));
    r = ascep({"getca", "-u", "https://localhost:" + other + "/scep", "-c", path("ca.crt"), "--cacert",
               tls.ca_cert().string()});
    INFO(r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "certificate verify failed: hostname mismatch (the certificate is not for "
                             "'localhost')"));
    CHECK_FALSE(exists("ca.crt"));

    // Through the CONNECT tunnel the failure names the target and the proxy.
    test::tinyproxy_options po;
    po.connect_ports = {tls.port()};
    test::tinyproxy proxy(po);
    r = ascep({"getca", "-u", tls.url(), "-c", path("ca.crt"), "--cacert", tls.wrong_ca_cert().string(), "-p",
               proxy.spec()});
    INFO(r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "TLS handshake with " + peer + " through proxy " + proxy.authority() +
                                 " failed: certificate verify failed"));
    CHECK_FALSE(exists("ca.crt"));

    // A missing --cacert file is named.
    r = ascep({"getca", "-u", tls.url(), "-c", path("ca.crt"), "--cacert", path("missing.pem")});
    INFO(r.errors);
    CHECK(r.exit_code == 95);
    CHECK(contains(r.errors, "TLS setup failed: cannot load trust anchors from " + path("missing.pem")));
    CHECK_FALSE(exists("ca.crt"));

    // --insecure connects anyway, and says so on every run.
    for (int i = 0; i < 2; ++i) {
        r = ascep({"getcaps", "-u", "https://localhost:" + other + "/scep", "--insecure"});
        INFO(r.errors);
        CHECK(r.exit_code == 0);
        CHECK(contains(r.errors, "ascep: warning: --insecure: the https:// server's certificate and host name are "
                                 "NOT verified"));
    }
}

TEST_CASE("kept-alive TLS connections are reused, directly and through the tunnel")
{
    clear_proxy_environment();
    test::scepserver server;
    test::tls_front tls(server.port());
    test::tinyproxy_options po;
    po.connect_ports = {tls.port()};
    test::tinyproxy proxy(po);

    for (const bool tunnel : {false, true}) {
        boost::asio::io_context ioc;
        transport::client_options opts;
        opts.tls.ca_file = tls.ca_cert().string();
        if (tunnel)
            opts.proxy = *transport::parse_proxy(proxy.spec());
        transport::http_client client(ioc.get_executor(), opts);
        bool finished = false;
        std::exception_ptr thrown;
        boost::asio::co_spawn(
            ioc,
            [&]() -> boost::asio::awaitable<void> {
                for (int i = 0; i < 3; ++i) {
                    transport::diagnostics diag;
                    transport::request req;
                    req.url = tls.url("/scep?operation=GetCACaps");
                    auto r = co_await client.async_request(std::move(req), diag);
                    INFO(transport::describe(r ? boost::system::error_code() : r.error(), diag));
                    REQUIRE(r);
                    CHECK(diag.tls);
                    CHECK(diag.reused_connection == (i > 0));
                    CHECK(diag.proxy == (tunnel ? proxy.authority() : std::string()));
                }
            },
            [&](std::exception_ptr e) {
                finished = true;
                thrown = e;
            });
        ioc.run_for(20s);
        REQUIRE(finished);
        if (thrown)
            std::rethrow_exception(thrown);
        CHECK(client.idle_connections() == 1);
    }
    // One tunnel for three requests.
    const auto log = proxy.log();
    const auto first = log.find("CONNECT 127.0.0.1:");
    REQUIRE(first != std::string::npos);
    CHECK(log.find("CONNECT 127.0.0.1:", first + 1) == std::string::npos);
}

using threaded_server = test::threaded_http_server;

TEST_CASE("through the binary: stall and slow servers end with their named timeout on time; 10 MB refused; "
          "redirect reported")
{
    clear_proxy_environment();
    test::http_server_options so;
    so.slow_interval = 500ms;
    threaded_server srv(so);
    test::temp_dir dir;
    const auto run = [&](const std::string& path, std::vector<std::string> extra) {
        std::vector<std::string> argv{ASCEP_PATH, "getca", "-u", srv.server.url(path), "-c",
                                      dir.file("ca.crt").string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return test::run_process(argv);
    };
    // The deadline starts when the request does, not when the process does:
    // take off what starting the binary and failing at once costs (an answer
    // of 500, the same code path up to the request), measured here and now,
    // so that a loaded machine or a sanitizer build does not count against it.
    const auto overhead = [&] {
        const auto start = clock_type::now();
        const auto r = run("/status/500", {});
        REQUIRE(r.exit_code == 95);
        return seconds_since(start);
    };

    SECTION("stall: operation timeout after --timeout")
    {
        const double startup = overhead();
        const auto start = clock_type::now();
        const auto r = run("/stall", {"--timeout", "2"});
        const auto elapsed = seconds_since(start) - startup;
        INFO(r.errors);
        WARN("ascep --timeout 2 against /stall: exit " << r.exit_code << " after " << elapsed << " s (+" << startup
                                                         << " s to start)");
        CHECK(r.exit_code == 89);
        CHECK(contains(r.errors, "operation timeout after 2 s talking to " + srv.server.authority()));
        CHECK(elapsed >= 1.8);
        CHECK(elapsed <= 2.2);
    }
    SECTION("slow: a byte every 500 ms never completes 100 bytes within --timeout")
    {
        const double startup = overhead();
        const auto start = clock_type::now();
        const auto r = run("/slow", {"--timeout", "3"});
        const auto elapsed = seconds_since(start) - startup;
        INFO(r.errors);
        WARN("ascep --timeout 3 against /slow: exit " << r.exit_code << " after " << elapsed << " s (+" << startup
                                                        << " s to start)");
        CHECK(r.exit_code == 89);
        CHECK(contains(r.errors, "operation timeout after 3 s"));
        CHECK(elapsed >= 2.7);
        CHECK(elapsed <= 3.3);
    }
    SECTION("a 10 MB reply is refused")
    {
        const auto r = run("/big", {});
        INFO(r.errors);
        CHECK(r.exit_code == 95);
        CHECK(contains(r.errors, "exceeds the limit of 1048576 bytes"));
    }
    SECTION("a redirect is reported with its Location, not followed")
    {
        const auto r = run("/redirect", {});
        INFO(r.errors);
        CHECK(r.exit_code == 95);
        CHECK(contains(r.errors, "HTTP 302 redirect to " + srv.server.url("/elsewhere") + " (not followed)"));
    }
    CHECK_FALSE(std::filesystem::exists(dir.file("ca.crt")));
}
