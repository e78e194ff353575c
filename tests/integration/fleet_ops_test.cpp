// Operating a fleet (issue 22), end to end with the binaries: fleet status
// on a fleet enrolled against ascep-testca, every metrics file ascep writes
// checked by promtool, the shard-spec refusal, a pending renewal continued
// without --renew-within, and the bad values of the new options.
#include "fleet_fixture.hpp"

#include "run_process.hpp"
#include "text_files.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace ascep;
using test::count_of;
using test::slurp;
namespace fs = std::filesystem;

namespace {

/// `promtool check metrics < FILE`: exit 0 when the text parses and passes
/// promtool's lint (names, units, _total, HELP).
test::process_result promtool_check(const fs::path& file)
{
    return test::run_process({"sh", "-c", "exec promtool check metrics < \"$1\"", "sh", file.string()});
}

/// The journal's last record per device, as JSON objects.
std::map<std::string, boost::json::object> last_records(const fs::path& journal)
{
    std::map<std::string, boost::json::object> out;
    std::ifstream in(journal);
    for (std::string line; std::getline(in, line);) {
        auto o = boost::json::parse(line).as_object();
        out[std::string(o.at("id").as_string())] = o;
    }
    return out;
}

std::int64_t not_after_of(const fs::path& cert)
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               Botan::X509_Certificate(cert.string()).not_after().to_std_timepoint().time_since_epoch())
        .count();
}

/// A manifest of n devices, the last `wrong` of them with a wrong challenge
/// (the test CA answers FAILURE badRequest), and `extra` rows never enrolled.
void write_mixed_manifest(const fs::path& file, std::size_t n, std::size_t wrong)
{
    std::ofstream out(file);
    out << "id,subject,challenge\n";
    for (std::size_t i = 1; i <= n; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "dev-%04zu", i);
        out << id << ",\"CN=" << id << ",O=Fleet Test\"," << (i > n - wrong ? "wrong" : "") << "\n";
    }
}

} // namespace

TEST_CASE("fleet status and the metrics files of fleet, fleet status and renew")
{
    test::fleet_fixture f({});
    write_mixed_manifest(f.dir.file("devices.csv"), 8, 2);
    const auto r = f.ascep(f.fleet_args("devices.csv", "out", {"--metrics-file", f.path("fleet.prom")}));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 2); // two refused

    // The journal carries each issued certificate's notAfter.
    const auto records = last_records(f.dir.file("out/journal.jsonl"));
    REQUIRE(records.size() == 8);
    std::int64_t soonest = std::numeric_limits<std::int64_t>::max();
    for (std::size_t i = 1; i <= 6; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "dev-%04zu", i);
        const auto& rec = records.at(id);
        CHECK(rec.at("state").as_string() == "issued");
        const auto na = not_after_of(f.dir.file("out") / id / "cert.pem");
        CHECK(rec.at("not_after").as_int64() == na);
        soonest = std::min(soonest, na);
    }

    // fleet's metrics file: promtool accepts it, and it says what happened.
    {
        const auto check = promtool_check(f.dir.file("fleet.prom"));
        INFO(check.output << check.errors);
        CHECK(check.exit_code == 0);
        const auto text = slurp(f.dir.file("fleet.prom"));
        const std::string l = "source=\"run\",dir=\"" + f.path("out") + "\"";
        CHECK(text.find("ascep_devices{" + l + ",state=\"issued\"} 6\n") != std::string::npos);
        CHECK(text.find("ascep_devices{" + l + ",state=\"failed\"} 2\n") != std::string::npos);
        CHECK(text.find("ascep_requests_total{" + l + ",operation=\"PKCSReq\",result=\"issued\"} 6\n") !=
              std::string::npos);
        CHECK(text.find("ascep_requests_total{" + l + ",operation=\"PKCSReq\",result=\"failure\"} 2\n") !=
              std::string::npos);
        CHECK(text.find("ascep_request_duration_seconds_count{" + l + ",operation=\"PKCSReq\"} 8\n") !=
              std::string::npos);
        CHECK(text.find("ascep_certificates{" + l + "} 6\n") != std::string::npos);
        CHECK(text.find("ascep_certificate_soonest_expiry_timestamp_seconds{" + l + "} " + std::to_string(soonest) +
                        "\n") != std::string::npos);
        CHECK(text.find("ascep_run_in_progress{" + l + "} 0\n") != std::string::npos);
        // Two devices failed: not a success.
        CHECK(text.find("ascep_last_success_timestamp_seconds{" + l + "} 0\n") != std::string::npos);
    }

    // fleet status, --json, with the manifest and 2 rows never started.
    {
        std::ofstream(f.dir.file("devices.csv"), std::ios::app) << "dev-0100,CN=dev-0100,\ndev-0101,CN=dev-0101,\n";
        const auto s = f.ascep({"fleet", "status", "--out", f.path("out"), "--manifest", f.path("devices.csv"),
                                "--within", "400d", "--json", "--metrics-file", f.path("status.prom")});
        INFO(s.output << s.errors);
        REQUIRE(s.exit_code == 0);
        const auto j = boost::json::parse(s.output).as_object();
        CHECK(j.at("operation").as_string() == "fleet status");
        const auto& d = j.at("devices").as_object();
        CHECK(d.at("total").to_number<int>() == 8);
        CHECK(d.at("issued").to_number<int>() == 6);
        CHECK(d.at("failed").to_number<int>() == 2);
        CHECK(d.at("pending").to_number<int>() == 0);
        CHECK(d.at("not_started").to_number<int>() == 2);
        CHECK(d.at("manifest").to_number<int>() == 10);
        const auto& c = j.at("certificates").as_object();
        CHECK(c.at("total").to_number<int>() == 6);
        CHECK(c.at("not_after_from_files").to_number<int>() == 0);
        CHECK(c.at("soonest_not_after").as_int64() == soonest);
        // The test CA issues for 365 days: all due within 400.
        CHECK(j.at("due").at("total").to_number<int>() == 6);
        CHECK(j.at("due").at("devices").as_array().size() == 6);
        const auto& fails = j.at("failures").as_array();
        REQUIRE(fails.size() == 1);
        CHECK(fails[0].at("reason").as_string() == "failInfo badRequest");
        CHECK(fails[0].at("count").to_number<int>() == 2);

        const auto check = promtool_check(f.dir.file("status.prom"));
        INFO(check.output << check.errors);
        CHECK(check.exit_code == 0);
        const auto text = slurp(f.dir.file("status.prom"));
        const std::string l = "source=\"status\",dir=\"" + f.path("out") + "\"";
        CHECK(text.find("ascep_devices{" + l + ",state=\"not_started\"} 2\n") != std::string::npos);
        CHECK(text.find("ascep_certificates_expiring{" + l + ",within_days=\"90\"} 0\n") != std::string::npos);
    }

    // On a pipe: plain text, no colour.
    {
        const auto s = f.ascep({"fleet", "status", "--out", f.path("out")});
        INFO(s.output << s.errors);
        REQUIRE(s.exit_code == 0);
        CHECK(s.output.find('\x1b') == std::string::npos);
        CHECK(s.output.find("issued            6") != std::string::npos);
        CHECK(s.output.find("failInfo badRequest: dev-0007, dev-0008") != std::string::npos);
        CHECK(s.output.find("expiry by month") != std::string::npos);
    }

    // renew --metrics-file: one RenewalReq, issued; the success recorded.
    {
        const auto rr = f.ascep({"renew", "-u", f.ca.url, "-c", f.path("ca.crt"), "-k", f.path("out/dev-0001/key.pem"),
                                 "-l", f.path("out/dev-0001/cert.pem"), "--within", "400d", "--challenge-file",
                                 f.path("challenge.txt"), "--metrics-file", f.path("renew.prom")});
        INFO(rr.output << rr.errors);
        REQUIRE(rr.exit_code == 0);
        const auto check = promtool_check(f.dir.file("renew.prom"));
        INFO(check.output << check.errors);
        CHECK(check.exit_code == 0);
        const auto text = slurp(f.dir.file("renew.prom"));
        const std::string l = "source=\"run\",certificate=\"" + f.path("out/dev-0001/cert.pem") + "\"";
        // RenewalReq when the CA lists Renewal (the test CA does), else PKCSReq.
        CHECK(text.find("ascep_requests_total{" + l + ",operation=\"RenewalReq\",result=\"issued\"} 1\n") !=
              std::string::npos);
        CHECK(text.find("ascep_certificate_soonest_expiry_timestamp_seconds{" + l + "} " +
                        std::to_string(not_after_of(f.dir.file("out/dev-0001/cert.pem"))) + "\n") != std::string::npos);
        CHECK(text.find("ascep_last_success_timestamp_seconds{" + l + "} 0\n") == std::string::npos);
        // Not due the next time: still a success, the time moves on.
        const auto again = f.ascep({"renew", "-c", f.path("ca.crt"), "-u", f.ca.url, "-k",
                                    f.path("out/dev-0001/key.pem"), "-l", f.path("out/dev-0001/cert.pem"), "--within",
                                    "1d", "--metrics-file", f.path("renew.prom")});
        REQUIRE(again.exit_code == 0);
        CHECK(promtool_check(f.dir.file("renew.prom")).exit_code == 0);
    }
}

TEST_CASE("fleet status and the metrics options: bad values are usage errors, nothing written")
{
    test::temp_dir dir;
    auto run = [](std::vector<std::string> args) {
        args.insert(args.begin(), ASCEP_PATH);
        return test::run_process(args);
    };
    auto r = run({"fleet", "status"});
    CHECK(r.exit_code == 1);
    CHECK(r.errors.find("--out") != std::string::npos);
    r = run({"fleet", "status", "--out", dir.file("x").string(), "--within", "soon"});
    CHECK(r.exit_code == 1);
    CHECK(r.errors.find("--within") != std::string::npos);
    r = run({"fleet", "status", "--out", dir.file("none").string()});
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("no fleet journal") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("none")));
    r = run({"fleet", "--manifest", "m.csv", "--out", dir.file("out").string(), "-u", "http://127.0.0.1:1/", "-c",
             "ca.crt", "--metrics-listen", "localhost:9780"});
    CHECK(r.exit_code == 1);
    CHECK(r.errors.find("--metrics-listen: 'localhost:9780'") != std::string::npos);
    r = run({"fleet", "--manifest", "m.csv", "--out", dir.file("out").string(), "-u", "http://127.0.0.1:1/", "-c",
             "ca.crt", "--metrics-file", dir.path().string() + "/"});
    CHECK(r.exit_code == 1);
    CHECK(r.errors.find("--metrics-file") != std::string::npos);
    r = run({"getca", "-u", "http://127.0.0.1:1/", "-c", "x", "--metrics-file", "m.prom"});
    CHECK(r.exit_code == 1);
    CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("shards sharing an output directory: another spec is refused, nothing sent")
{
    test::fleet_fixture f({});
    test::write_manifest(f.dir.file("devices.csv"), 12);
    auto r = f.ascep(f.fleet_args("devices.csv", "out", {"--shard", "0/2"}));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    CHECK(slurp(f.dir.file("out/.shard")) == "0/2\n");
    const auto journal = slurp(f.dir.file("out/journal.jsonl"));
    const auto issued = f.issued_at_ca();

    r = f.ascep(f.fleet_args("devices.csv", "out", {"--shard", "1/2"}));
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("holds the journal of shard 0/2") != std::string::npos);
    CHECK(r.errors.find("this run is for --shard 1/2") != std::string::npos);
    r = f.ascep(f.fleet_args("devices.csv", "out"));
    CHECK(r.exit_code == 93);
    CHECK(r.errors.find("whole manifest") != std::string::npos);
    CHECK(slurp(f.dir.file("out/journal.jsonl")) == journal);
    CHECK(f.issued_at_ca() == issued);

    // The same shard again is fine (resumes: nothing to do).
    r = f.ascep(f.fleet_args("devices.csv", "out", {"--shard", "0/2"}));
    CHECK(r.exit_code == 0);
}

TEST_CASE("a renewal left PENDING is continued by a later run without --renew-within")
{
    test::fleet_fixture f({"--pending", "2", "--validity", "20d"});
    test::write_manifest(f.dir.file("devices.csv"), 4);
    auto r = f.ascep(f.fleet_args("devices.csv", "out", {"-t", "1"}));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, std::string> before;
    for (const auto& [id, rec] : last_records(f.dir.file("out/journal.jsonl")))
        before[id] = std::string(rec.at("detail").as_string());

    // The renewal is asked for, and left PENDING at the poll limit (-n 1).
    r = f.ascep(f.fleet_args("devices.csv", "out", {"--renew-within", "30d", "-t", "1", "-n", "1"}));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 3);
    for (const auto& [id, rec] : last_records(f.dir.file("out/journal.jsonl"))) {
        CHECK(rec.at("state").as_string() == "renewal_pending");
        CHECK(rec.at("pending_since").as_int64() > 0);
    }
    // fleet status sees them as renewals pending.
    const auto s = f.ascep({"fleet", "status", "--out", f.path("out"), "--json"});
    REQUIRE(s.exit_code == 0);
    CHECK(boost::json::parse(s.output).at("devices").at("renewal_pending").to_number<int>() == 4);

    // A plain run (no --renew-within) polls them to the end.
    r = f.ascep(f.fleet_args("devices.csv", "out", {"-t", "1"}));
    INFO(r.output << r.errors);
    REQUIRE(r.exit_code == 0);
    for (const auto& [id, rec] : last_records(f.dir.file("out/journal.jsonl"))) {
        INFO(id);
        CHECK(rec.at("state").as_string() == "renewed");
        CHECK(rec.at("old_serial").as_string() == before.at(id));
        CHECK(rec.at("detail").as_string() != before.at(id));
        CHECK(rec.at("not_after").as_int64() == not_after_of(f.dir.file("out") / id / "cert.pem"));
    }
    CHECK(r.errors.find("(renewed 4)") != std::string::npos);
}
