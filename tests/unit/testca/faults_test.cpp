// --faults LIST and --profile 'NAME:FLAGS' as the test CA reads them, and
// the seeded draws that make a faulty run repeatable.
#include "testca/command_line.hpp"
#include "testca/faults.hpp"
#include "testca/server.hpp"

#include <catch2/catch.hpp>

using namespace ascep::testca;

TEST_CASE("--faults: names, values and probabilities")
{
    const auto f = parse_fault_list("http503@0.2,close-mid@0.1,delay=1s@0.3,trickle,pending-then-failure=3,"
                                    "delay=250ms,http503=7,wrong-key");
    REQUIRE(f.size() == 8);
    CHECK(f[0].kind == fault_kind::http503);
    CHECK(f[0].probability == Approx(0.2));
    CHECK(f[0].count == 1); // Retry-After default
    CHECK(f[2].kind == fault_kind::delay);
    CHECK(f[2].duration == std::chrono::seconds(1));
    CHECK(f[3].duration == std::chrono::seconds(1)); // trickle default
    CHECK(f[4].count == 3);
    CHECK(f[5].duration == std::chrono::milliseconds(250));
    CHECK(f[6].count == 7);
    CHECK(f[7].probability == 1.0);
    CHECK(to_string(f) == "http503=1@0.2,close-mid@0.1,delay=1s@0.3,trickle=1s,pending-then-failure=3,"
                          "delay=250ms,http503=7,wrong-key");
    CHECK(is_transport_fault(fault_kind::trickle));
    CHECK_FALSE(is_transport_fault(fault_kind::pending_then_failure));
}

TEST_CASE("--faults: what is refused, and why")
{
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "empty item"},
        {"http503,,delay=1s", "empty item"},
        {"nope", "unknown fault 'nope'"},
        {"delay", "delay needs a duration"},
        {"delay=soon", "the duration must be"},
        {"delay=11m", "at most 10m"},
        {"http503@0", "probability"},
        {"http503@1.5", "probability"},
        {"http503@x", "probability"},
        {"http503=-1", "Retry-After seconds"},
        {"wrong-key=2", "takes no value"},
        {"pending-then-failure=x", "number of polls"},
    };
    for (const auto& [list, why] : bad) {
        INFO(list);
        try {
            parse_fault_list(list);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find(why) != std::string::npos);
        }
    }
}

TEST_CASE("fault draws: the same seed, the same faults; each probability roughly kept")
{
    const auto faults = parse_fault_list("http503@0.3,close-mid@0.1,delay=1s");
    fault_plan a(faults, 42), b(faults, 42), c(faults, 43);
    std::vector<std::size_t> hits_a, hits_c;
    std::size_t busy = 0;
    for (int i = 0; i < 2000; ++i) {
        const auto ha = a.draw(is_transport_fault);
        const auto hb = b.draw(is_transport_fault);
        const auto hc = c.draw(is_transport_fault);
        REQUIRE(ha.size() == hb.size());
        hits_a.push_back(ha.size());
        hits_c.push_back(hc.size());
        for (const auto& h : ha)
            busy += h.kind == fault_kind::http503;
        CHECK(ha.back().kind == fault_kind::delay); // probability 1: always
    }
    CHECK(hits_a != hits_c);
    CHECK(busy > 500);
    CHECK(busy < 700);
    // Only what applies is drawn.
    CHECK(a.draw([](fault_kind k) { return k == fault_kind::no_ra; }).empty());
}

TEST_CASE("several transport faults on one request: delays add up, the first other one wins")
{
    const auto hit = parse_fault_list("delay=1s,close-mid,delay=500ms,http503");
    const auto t = combine_transport(hit);
    REQUIRE(t.delay);
    CHECK(*t.delay == std::chrono::milliseconds(1500));
    REQUIRE(t.reply);
    CHECK(t.reply->kind == fault_kind::close_mid);
    CHECK_FALSE(t.skips_request());
    CHECK(t.names() == "delay,close-mid");
    CHECK(combine_transport(parse_fault_list("http500")).skips_request());
}

TEST_CASE("--profile 'NAME:FLAGS': the single-CA flags, split as a shell would")
{
    CHECK(split_flags("--pending 2  --caps 'AES, SHA-256' --challenge \"a b\\\"c\" x\\ y") ==
          std::vector<std::string>{"--pending", "2", "--caps", "AES, SHA-256", "--challenge", "a b\"c", "x y"});
    CHECK_THROWS_AS(split_flags("--caps 'open"), usage_error);

    const auto p = parse_profile("ndes:--ra --intermediate --pending 3 --faults no-ra@0.5 --chain-order random");
    CHECK(p.name == "ndes");
    CHECK(p.flags.setup.ra);
    CHECK(p.flags.setup.intermediate);
    CHECK(p.flags.service.rules.pending_polls == 3);
    CHECK(p.flags.chain_order_given);
    REQUIRE(p.flags.faults.size() == 1);
    CHECK(p.flags.faults[0].kind == fault_kind::no_ra);
    const auto plain = parse_profile("auto:");
    CHECK(plain.flags.faults.empty());
    CHECK_FALSE(plain.flags.setup.ra);

    CHECK_THROWS_AS(parse_profile("noflags"), usage_error);
    CHECK_THROWS_AS(parse_profile(":--ra"), usage_error);
    CHECK_THROWS_AS(parse_profile("a/b:"), usage_error);
    CHECK_THROWS_AS(parse_profile("a:--listen 127.0.0.1:0"), usage_error); // a process option
    CHECK_THROWS_AS(parse_profile("a:--pending x"), usage_error);
}

TEST_CASE("routes: the first path segment names the profile; a single CA answers every path")
{
    std::vector<route> single{{"", nullptr}};
    CHECK(find_route(single, "/cgi-bin/pkiclient.exe?operation=GetCACaps") == &single[0]);
    std::vector<route> profiles{{"auto", nullptr}, {"slow", nullptr}};
    CHECK(find_route(profiles, "/slow?operation=GetCACaps") == &profiles[1]);
    CHECK(find_route(profiles, "/auto/pkiclient.exe?operation=GetCACaps") == &profiles[0]);
    CHECK(find_route(profiles, "/auto") == &profiles[0]);
    CHECK(find_route(profiles, "/scep?operation=GetCACaps") == nullptr);
    CHECK(find_route(profiles, "/autox?operation=GetCACaps") == nullptr);
    CHECK(find_route(profiles, "/?operation=GetCACaps") == nullptr);
}
