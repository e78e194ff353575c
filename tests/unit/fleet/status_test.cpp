// fleet status (issue 22): the figures from a journal written here, one
// device in every state, checked against what the journal says; the
// histogram's bars; the JSON field by field; a journal of an older
// version (no notAfter) read through cert.pem.
#include "fleet/journal.hpp"
#include "fleet/run_files.hpp"
#include "fleet/status.hpp"

#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace ascep;
using fleet::device_state;
using fleet::journal_record;

namespace {

constexpr std::int64_t day = 86400;
constexpr std::int64_t now = 1'800'000'000; // 2027-01-15T08:00:00Z

journal_record rec(std::string id, device_state s, std::int64_t time_s, std::string detail = {})
{
    journal_record r;
    r.id = std::move(id);
    r.state = s;
    r.transaction_id = "0123456789ABCDEF0123456789ABCDEF";
    r.detail = std::move(detail);
    r.time_ms = time_s * 1000;
    return r;
}

journal_record issued(std::string id, std::int64_t not_after, device_state s = device_state::issued)
{
    auto r = rec(std::move(id), s, now - 10 * day, "0A1B");
    r.not_after = not_after;
    return r;
}

journal_record pending(std::string id, std::int64_t since, std::int64_t time_s, bool renewal = false)
{
    auto r = rec(std::move(id), renewal ? device_state::renewal_pending : device_state::pending, time_s);
    r.pending_since = since;
    return r;
}

void write_journal(const test::temp_dir& dir, const std::vector<journal_record>& records)
{
    std::ofstream out(dir.file("journal.jsonl"));
    for (const auto& r : records)
        out << fleet::format_journal_line(r);
}

/// A fleet with every state; the comments say what status must make of it.
std::vector<journal_record> every_state()
{
    return {
        // dev-a: requested, then issued: issued, expires in 3 days.
        rec("dev-a", device_state::requested, now - 20 * day),
        issued("dev-a", now + 3 * day),
        issued("dev-b", now + 20 * day),               // within 30 days
        issued("dev-c", now + 60 * day),               // within 90
        issued("dev-d", now - 2 * day),                // expired
        issued("dev-e", now + 200 * day, device_state::renewed), // renewed, far
        // dev-f: pending since 3 days, polled again yesterday (pending_since kept).
        pending("dev-f", now - 3 * day, now - 4 * day),
        pending("dev-f", now - 3 * day, now - 1 * day),
        // dev-g: pending, journal of an older version: no pending_since, its time.
        pending("dev-g", 0, now - 5 * day),
        pending("dev-h", now - 1 * day, now - 1 * day, true), // a renewal pending
        rec("dev-i", device_state::requested, now - 60),        // in progress
        rec("dev-j", device_state::failed, now - 3600,
            "the CA answered FAILURE: failInfo badRequest (challenge password wrong)"),
        rec("dev-k", device_state::failed, now - 3600, "the CA answered FAILURE: failInfo badRequest"),
        rec("dev-l", device_state::failed, now - 7200, "connection refused (retried for 10m)"),
    };
}

fleet::fleet_status status_of(const test::temp_dir& dir, std::string manifest = {}, std::int64_t within = 30 * day)
{
    fleet::status_request req;
    req.out_dir = dir.path().string();
    req.manifest = std::move(manifest);
    req.within = std::chrono::seconds(within);
    req.now = now;
    std::string error;
    auto s = fleet::read_fleet_status(req, error);
    INFO(error);
    REQUIRE(s);
    return *s;
}

} // namespace

TEST_CASE("journal: notAfter and pending_since survive a line and the replay")
{
    auto r = issued("dev-1", 1'900'000'000);
    std::string error;
    auto back = fleet::parse_journal_line(fleet::format_journal_line(r), error);
    REQUIRE(back);
    CHECK(*back == r);
    auto p = pending("dev-2", now - day, now);
    back = fleet::parse_journal_line(fleet::format_journal_line(p), error);
    REQUIRE(back);
    CHECK(back->pending_since == now - day);
    // A line of an older version has neither: both 0.
    back = fleet::parse_journal_line(R"({"id":"x","state":"issued","detail":"01","attempts":1,"time_ms":5})", error);
    REQUIRE(back);
    CHECK(back->not_after == 0);
    CHECK(back->pending_since == 0);
    CHECK_FALSE(fleet::parse_journal_line(R"({"id":"x","state":"issued","not_after":"soon"})", error));

    fleet::journal_replay replay;
    replay.apply(r, 0);
    replay.apply(p, 1);
    replay.seal();
    CHECK(replay.at("dev-1").not_after == 1'900'000'000);
    CHECK(replay.at("dev-2").pending_since == now - day);
    std::size_t seen = 0;
    replay.for_each([&](const fleet::replayed_device& d) {
        ++seen;
        if (d.id == "dev-1")
            CHECK(d.not_after == 1'900'000'000);
        else
            CHECK(d.pending_since == now - day);
    });
    CHECK(seen == 2);
}

TEST_CASE("fleet status: counts, expiry, due list, pending and failures from the journal")
{
    test::temp_dir dir;
    write_journal(dir, every_state());
    const auto s = status_of(dir);
    CHECK(s.devices == 12);
    CHECK(s.journal_lines == 14);
    CHECK(s.issued == 4);
    CHECK(s.renewed == 1);
    CHECK(s.pending == 2);
    CHECK(s.renewal_pending == 1);
    CHECK(s.in_progress == 1);
    CHECK(s.failed == 3);
    CHECK_FALSE(s.not_started);

    CHECK(s.certificates == 5);
    CHECK(s.not_after_from_files == 0);
    REQUIRE(s.soonest);
    CHECK(*s.soonest == now - 2 * day);
    CHECK(*s.latest == now + 200 * day);
    CHECK(s.expired == 1);
    CHECK(s.within_7d == 2);
    CHECK(s.within_30d == 3);
    CHECK(s.within_90d == 4);

    // Due within 30 days, soonest first: the expired one, then a, then b.
    CHECK(s.due_total == 3);
    REQUIRE(s.due.size() == 3);
    CHECK(s.due[0].id == "dev-d");
    CHECK(s.due[1].id == "dev-a");
    CHECK(s.due[1].not_after == now + 3 * day);
    CHECK(s.due[2].id == "dev-b");

    // Longest first: g (5 days, from its record's time), f (3 days, from
    // pending_since, not from its last poll), h.
    REQUIRE(s.pending_longest.size() == 3);
    CHECK(s.pending_longest[0].id == "dev-g");
    CHECK(s.pending_longest[0].since == now - 5 * day);
    CHECK(s.pending_longest[1].id == "dev-f");
    CHECK(s.pending_longest[1].since == now - 3 * day);
    CHECK(s.pending_longest[2].id == "dev-h");
    CHECK(s.pending_longest[2].renewal);
    CHECK(*s.pending_oldest_since == now - 5 * day);

    REQUIRE(s.failures.size() == 2);
    CHECK(s.failures[0].reason == "failInfo badRequest");
    CHECK(s.failures[0].count == 2);
    CHECK(s.failures[0].ids == std::vector<std::string>{"dev-j", "dev-k"});
    CHECK(s.failures[1].reason == "connection refused");
    CHECK(s.failures[1].count == 1);

    // 200 days: monthly bars, the expired one first.
    CHECK(s.bucket_unit == "month");
    REQUIRE(s.histogram.size() >= 2);
    CHECK(s.histogram[0].label == "expired");
    CHECK(s.histogram[0].count == 1);
    std::uint64_t total = 0;
    for (const auto& b : s.histogram)
        total += b.count;
    CHECK(total == s.certificates);
    // 2027-01 (from now): a (3 d) and b (20 d, 2027-02-04 falls in February).
    CHECK(s.histogram[1].label == "2027-01");
    CHECK(s.histogram[1].count == 1);
    CHECK(s.histogram[1].due);
    CHECK(s.histogram[2].label == "2027-02");
    CHECK(s.histogram[2].count == 1);
    CHECK(s.histogram[2].due);   // starts before now + 30 d
    CHECK_FALSE(s.histogram[3].due);
}

TEST_CASE("fleet status: the histogram's bars")
{
    std::string unit;
    SECTION("weekly up to 16 weeks, each bar [start, start + 7 d)")
    {
        const std::vector<std::int64_t> t{now - 1, now, now + 6 * day, now + 7 * day, now + 20 * day};
        const auto bars = fleet::expiry_histogram(t, now, 8 * day, unit);
        CHECK(unit == "week");
        REQUIRE(bars.size() == 4);
        CHECK(bars[0].label == "expired");
        CHECK(bars[0].count == 1);
        CHECK(bars[1].start == now);
        CHECK(bars[1].count == 2);
        CHECK(bars[1].due);
        CHECK(bars[2].count == 1);
        CHECK(bars[2].due); // starts at now + 7 d < now + 8 d
        CHECK(bars[3].count == 1);
        CHECK_FALSE(bars[3].due);
        CHECK(bars[3].label == "2027-01-29");
    }
    SECTION("monthly beyond, capped: the last bar holds everything later")
    {
        const std::vector<std::int64_t> t{now + day, now + 400 * day, now + 3650 * day};
        const auto bars = fleet::expiry_histogram(t, now, 30 * day, unit, 6);
        CHECK(unit == "month");
        REQUIRE(bars.size() == 6);
        CHECK(bars[0].count == 1);
        CHECK(bars[5].count == 2);
        CHECK(bars[5].label.find("and later") != std::string::npos);
    }
    SECTION("nothing held: no bars")
    {
        CHECK(fleet::expiry_histogram({}, now, day, unit).empty());
        CHECK(unit.empty());
    }
}

TEST_CASE("fleet status: failure groups")
{
    CHECK(fleet::failure_reason("the CA answered FAILURE: failInfo badAlg (x)") == "failInfo badAlg");
    CHECK(fleet::failure_reason("the CA answered FAILURE: failInfo badTime") == "failInfo badTime");
    CHECK(fleet::failure_reason("HTTP 500 (retried for 10m)") == "HTTP 500");
    CHECK(fleet::failure_reason("") == "unknown");
}

TEST_CASE("fleet status: --manifest counts the devices never started, within the recorded shard")
{
    test::temp_dir dir;
    write_journal(dir, every_state());
    std::ofstream(dir.file("m.csv")) << "id\ndev-a\ndev-b\nnew-1\nnew-2\nnew-3\n";
    auto s = status_of(dir, dir.file("m.csv").string());
    CHECK(*s.manifest_devices == 5);
    CHECK(*s.not_started == 3);

    // A shard's directory: only that shard's rows count.
    REQUIRE(fleet::claim_shard(dir.path().string(), fleet::shard_spec{0, 2}).empty());
    s = status_of(dir, dir.file("m.csv").string());
    CHECK(s.shard == "0/2");
    std::uint64_t mine = 0, missing = 0;
    for (const char* id : {"dev-a", "dev-b", "new-1", "new-2", "new-3"})
        if (fleet::in_shard(fleet::id_key(id), {0, 2})) {
            ++mine;
            missing += std::string_view(id).starts_with("new");
        }
    CHECK(*s.manifest_devices == mine);
    CHECK(*s.not_started == missing);
}

TEST_CASE("fleet status: --json holds the same figures, field by field")
{
    test::temp_dir dir;
    write_journal(dir, every_state());
    REQUIRE(fleet::write_last_success(dir.path().string(), now - 3600).empty());
    const auto s = status_of(dir);
    const auto j = fleet::status_json(s);
    CHECK(j.at("now").as_int64() == now);
    CHECK(j.at("within_seconds").as_int64() == 30 * day);
    CHECK(j.at("journal_lines").to_number<std::uint64_t>() == 14);
    CHECK(j.at("shard").is_null());
    CHECK(j.at("last_success").as_int64() == now - 3600);
    const auto& d = j.at("devices").as_object();
    CHECK(d.at("total").to_number<int>() == 12);
    CHECK(d.at("issued").to_number<int>() == 4);
    CHECK(d.at("renewed").to_number<int>() == 1);
    CHECK(d.at("pending").to_number<int>() == 2);
    CHECK(d.at("renewal_pending").to_number<int>() == 1);
    CHECK(d.at("in_progress").to_number<int>() == 1);
    CHECK(d.at("failed").to_number<int>() == 3);
    CHECK(d.at("not_started").is_null());
    const auto& c = j.at("certificates").as_object();
    CHECK(c.at("total").to_number<int>() == 5);
    CHECK(c.at("soonest_not_after").as_int64() == now - 2 * day);
    CHECK(c.at("latest_not_after").as_int64() == now + 200 * day);
    CHECK(c.at("expired").to_number<int>() == 1);
    CHECK(c.at("within_7d").to_number<int>() == 2);
    CHECK(c.at("within_30d").to_number<int>() == 3);
    CHECK(c.at("within_90d").to_number<int>() == 4);
    CHECK(c.at("not_after_from_files").to_number<int>() == 0);
    const auto& h = j.at("expiry_histogram").as_object();
    CHECK(h.at("unit").as_string() == "month");
    const auto& bars = h.at("buckets").as_array();
    REQUIRE(bars.size() == s.histogram.size());
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& b = bars[i].as_object();
        CHECK(b.at("label").as_string() == s.histogram[i].label);
        CHECK(b.at("start").as_int64() == s.histogram[i].start);
        CHECK(b.at("end").as_int64() == s.histogram[i].end);
        CHECK(b.at("count").to_number<std::uint64_t>() == s.histogram[i].count);
        CHECK(b.at("due").as_bool() == s.histogram[i].due);
    }
    const auto& due = j.at("due").as_object();
    CHECK(due.at("total").to_number<int>() == 3);
    const auto& due_list = due.at("devices").as_array();
    REQUIRE(due_list.size() == 3);
    CHECK(due_list[0].at("id").as_string() == "dev-d");
    CHECK(due_list[0].at("not_after").as_int64() == now - 2 * day);
    const auto& p = j.at("pending").as_object();
    CHECK(p.at("oldest_since").as_int64() == now - 5 * day);
    const auto& longest = p.at("longest").as_array();
    REQUIRE(longest.size() == 3);
    CHECK(longest[1].at("id").as_string() == "dev-f");
    CHECK(longest[1].at("since").as_int64() == now - 3 * day);
    CHECK(longest[2].at("renewal").as_bool());
    const auto& f = j.at("failures").as_array();
    REQUIRE(f.size() == 2);
    CHECK(f[0].at("reason").as_string() == "failInfo badRequest");
    CHECK(f[0].at("count").to_number<int>() == 2);
    CHECK(f[0].at("ids").as_array().size() == 2);
}

TEST_CASE("fleet status: the text, plain on a pipe, coloured on a terminal")
{
    test::temp_dir dir;
    write_journal(dir, every_state());
    const auto s = status_of(dir);
    const auto plain = fleet::format_status_text(s, false);
    CHECK(plain.find('\x1b') == std::string::npos);
    CHECK(plain.find("issued            4") != std::string::npos);
    CHECK(plain.find("failed            3") != std::string::npos);
    CHECK(plain.find("due within 30d: 3 devices, soonest first") != std::string::npos);
    CHECK(plain.find("  expired * #") != std::string::npos);
    CHECK(plain.find("  2  failInfo badRequest: dev-j, dev-k") != std::string::npos);
    const auto colour = fleet::format_status_text(s, true);
    CHECK(colour.find("\x1b[31m") != std::string::npos);
    CHECK(colour.find("\u2588") != std::string::npos);
}

TEST_CASE("fleet status: a journal without notAfter (older versions) is completed from cert.pem")
{
    test::temp_dir dir;
    const auto ca = test::self_signed("Status CA", 0);
    const auto cert = test::issue(ca, *test::cached_key(1), "dev-old");
    std::filesystem::create_directories(dir.file("dev-old"));
    dir.write("dev-old/cert.pem", cert.PEM_encode());
    auto old = rec("dev-old", device_state::issued, now - day, "01");
    auto broken = rec("dev-broken", device_state::issued, now - day, "02"); // cert.pem missing
    // A renewal under way: the device still holds its old certificate.
    std::filesystem::create_directories(dir.file("dev-renewing"));
    dir.write("dev-renewing/cert.pem", cert.PEM_encode());
    auto renewing = rec("dev-renewing", device_state::renewing, now - day);
    write_journal(dir, {old, broken, renewing});
    const auto s = status_of(dir);
    const auto expected = std::chrono::duration_cast<std::chrono::seconds>(
                              cert.not_after().to_std_timepoint().time_since_epoch())
                              .count();
    CHECK(s.not_after_from_files == 3);
    CHECK(s.unreadable == 1);
    CHECK(s.certificates == 2);
    CHECK(*s.soonest == expected);
}

TEST_CASE("fleet status: a directory without a journal, or a corrupt one, is an error")
{
    test::temp_dir dir;
    fleet::status_request req;
    req.out_dir = dir.path().string();
    std::string error;
    CHECK_FALSE(fleet::read_fleet_status(req, error));
    CHECK(error.find("no fleet journal") != std::string::npos);
    dir.write("journal.jsonl", "{\"id\":\"a\",\"state\":\"issued\"}\nnot json\n");
    CHECK_FALSE(fleet::read_fleet_status(req, error));
    CHECK(error.find("line 2") != std::string::npos);
    // A torn last line (a run appending right now) is left out, not an error.
    dir.write("journal.jsonl", "{\"id\":\"a\",\"state\":\"issued\"}\n{\"id\":\"b\",\"sta");
    const auto s = fleet::read_fleet_status(req, error);
    REQUIRE(s);
    CHECK(s->devices == 1);
}

TEST_CASE("shard file: recorded once, the same spec accepted, another refused")
{
    test::temp_dir dir;
    const auto d = dir.path().string();
    std::string error;
    CHECK_FALSE(fleet::read_shard_file(d, error));
    CHECK(error.empty());
    CHECK(fleet::claim_shard(d, {1, 4}).empty());
    CHECK(fleet::read_shard_file(d, error) == fleet::shard_spec{1, 4});
    CHECK(fleet::claim_shard(d, {1, 4}).empty());
    const auto refused = fleet::claim_shard(d, {2, 4});
    CHECK(refused.find("holds the journal of shard 1/4") != std::string::npos);
    CHECK(refused.find("--shard 2/4") != std::string::npos);
    CHECK(fleet::claim_shard(d, {}).find("the whole manifest") != std::string::npos);
    dir.write(".shard", "nonsense\n");
    CHECK_FALSE(fleet::claim_shard(d, {1, 4}).empty());
}
