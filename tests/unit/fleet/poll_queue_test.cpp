#include "fleet/poll_queue.hpp"

#include <catch2/catch.hpp>

using namespace ascep::fleet;
using std::chrono::seconds;

namespace {

const steady_clock::time_point t0{seconds(1000)};

parked_device parked(std::string id)
{
    parked_device p;
    p.row.id = std::move(id);
    p.transaction_id = "tid-" + p.row.id;
    p.signer = {0x30, 0x00};
    return p;
}

device_progress sent(unsigned request_messages, steady_clock::time_point first)
{
    device_progress p;
    p.request_messages = request_messages;
    p.first_sent = first;
    return p;
}

} // namespace

TEST_CASE("poll_queue hands devices out in due order, only when due")
{
    poll_queue q;
    CHECK(q.empty());
    CHECK_FALSE(q.next_due());
    q.park(t0 + seconds(30), parked("late"));
    q.park(t0 + seconds(10), parked("early"));
    q.park(t0 + seconds(20), parked("middle"));
    REQUIRE(q.size() == 3);
    CHECK(*q.next_due() == t0 + seconds(10));

    CHECK_FALSE(q.take_due(t0 + seconds(9)));
    auto first = q.take_due(t0 + seconds(10));
    REQUIRE(first);
    CHECK(first->row.id == "early");
    CHECK(first->transaction_id == "tid-early");
    CHECK(first->signer == std::vector<std::uint8_t>{0x30, 0x00});

    auto second = q.take_due(t0 + seconds(100));
    REQUIRE(second);
    CHECK(second->row.id == "middle");
    CHECK(q.size() == 1);
    CHECK(*q.next_due() == t0 + seconds(30));
}

TEST_CASE("poll_queue keeps arrival order among devices due at the same time")
{
    poll_queue q;
    for (const char* id : {"a", "b", "c", "d"})
        q.park(t0, parked(id));
    std::string order;
    while (auto d = q.take_due(t0))
        order += d->row.id;
    CHECK(order == "abcd");
}

TEST_CASE("poll_queue::take_all empties the queue in due order")
{
    poll_queue q;
    q.park(t0 + seconds(2), parked("two"));
    q.park(t0 + seconds(1), parked("one"));
    const auto all = q.take_all();
    REQUIRE(all.size() == 2);
    CHECK(all[0].row.id == "one");
    CHECK(all[1].row.id == "two");
    CHECK(q.empty());
    CHECK_FALSE(q.next_due());
}

TEST_CASE("next_poll_in follows sscep's -t, -T and -n")
{
    const seconds interval(300), max_time(1000);

    SECTION("polls every -t while within the limits")
    {
        CHECK(next_poll_in(sent(1, t0), interval, max_time, 256, t0) == seconds(300));
        CHECK(next_poll_in(sent(3, t0), interval, max_time, 256, t0 + seconds(600)) == seconds(300));
    }
    SECTION("the last wait is cut short to end at -T")
    {
        CHECK(next_poll_in(sent(3, t0), interval, max_time, 256, t0 + seconds(900)) == seconds(100));
    }
    SECTION("no poll once -T is used up")
    {
        CHECK_FALSE(next_poll_in(sent(3, t0), interval, max_time, 256, t0 + seconds(1000)));
        CHECK_FALSE(next_poll_in(sent(3, t0), interval, max_time, 256, t0 + seconds(5000)));
    }
    SECTION("-n counts the request too: -n 1 never polls, -n 3 polls twice")
    {
        CHECK_FALSE(next_poll_in(sent(1, t0), interval, max_time, 1, t0));
        CHECK(next_poll_in(sent(2, t0), interval, max_time, 3, t0));
        CHECK_FALSE(next_poll_in(sent(3, t0), interval, max_time, 3, t0));
    }
    SECTION("nothing sent yet: nothing to poll")
    {
        CHECK_FALSE(next_poll_in(device_progress{}, interval, max_time, 256, t0));
    }
}
