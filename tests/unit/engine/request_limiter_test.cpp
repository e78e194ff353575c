// engine::request_limiter on a real io_context with real timers (no sockets):
// the in-flight bound, the start rate, FIFO hand-over, close() and
// cancellation of a queued waiter.
#include "engine/error.hpp"
#include "engine/request_limiter.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace ascep;
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

/// Holds a permit for `hold`, recording the peak of in_flight() and the order of starts.
asio::awaitable<void> worker(engine::request_limiter& lim, int id, milliseconds hold, unsigned& peak,
                             std::vector<int>& order, std::vector<std::chrono::steady_clock::time_point>& starts)
{
    auto p = co_await lim.async_acquire();
    REQUIRE(p.has_value());
    order.push_back(id);
    starts.push_back(std::chrono::steady_clock::now());
    peak = std::max(peak, lim.in_flight());
    asio::steady_timer t(co_await asio::this_coro::executor, hold);
    co_await t.async_wait(asio::use_awaitable);
}

void run_all(asio::io_context& ioc)
{
    ioc.run_for(std::chrono::seconds(20));
    REQUIRE(ioc.stopped());
}

} // namespace

TEST_CASE("at most N in flight, served in arrival order", "[engine][limiter]")
{
    asio::io_context ioc;
    engine::request_limiter lim(ioc.get_executor(), 3, 0);
    unsigned peak = 0;
    std::vector<int> order;
    std::vector<std::chrono::steady_clock::time_point> starts;
    for (int i = 0; i < 12; ++i)
        asio::co_spawn(ioc, worker(lim, i, milliseconds(20), peak, order, starts), asio::detached);
    run_all(ioc);
    CHECK(peak == 3);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    CHECK(lim.in_flight() == 0);
    CHECK(lim.queued() == 0);
}

TEST_CASE("at most R started per second", "[engine][limiter]")
{
    asio::io_context ioc;
    engine::request_limiter lim(ioc.get_executor(), 0, 20); // one start every 50 ms
    unsigned peak = 0;
    std::vector<int> order;
    std::vector<std::chrono::steady_clock::time_point> starts;
    for (int i = 0; i < 6; ++i)
        asio::co_spawn(ioc, worker(lim, i, milliseconds(0), peak, order, starts), asio::detached);
    run_all(ioc);
    REQUIRE(starts.size() == 6);
    // The limiter hands out slots 50 ms apart; a worker may see its slot
    // late on a loaded machine, so two consecutive starts can be closer
    // than 50 ms, but start i never comes before slot i (a little slack
    // for the first start, which is itself observed after its slot).
    for (std::size_t i = 1; i < starts.size(); ++i)
        CHECK(starts[i] - starts[0] >= milliseconds(50 * static_cast<int>(i) - 10));
}

TEST_CASE("close() fails queued and later acquires; a cancelled waiter leaves the queue", "[engine][limiter]")
{
    asio::io_context ioc;
    engine::request_limiter lim(ioc.get_executor(), 1, 0);
    std::vector<boost::system::error_code> results;
    auto taker = [&](bool hold) -> asio::awaitable<void> {
        auto p = co_await lim.async_acquire();
        results.push_back(p ? boost::system::error_code{} : p.error());
        if (p && hold) {
            asio::steady_timer t(co_await asio::this_coro::executor, milliseconds(50));
            co_await t.async_wait(asio::use_awaitable);
        }
    };
    asio::cancellation_signal cancel_second;
    asio::co_spawn(ioc, taker(true), asio::detached);                                      // holds the slot
    asio::co_spawn(ioc, taker(false), asio::bind_cancellation_slot(cancel_second.slot(), asio::detached)); // queued, cancelled
    asio::co_spawn(ioc, taker(false), asio::detached);                                     // queued, closed
    asio::steady_timer later(ioc, milliseconds(10));
    later.async_wait([&](auto) {
        CHECK(lim.queued() == 2);
        cancel_second.emit(asio::cancellation_type::terminal);
    });
    asio::steady_timer close_at(ioc, milliseconds(20));
    close_at.async_wait([&](auto) {
        CHECK(lim.queued() == 1);
        lim.close();
        asio::co_spawn(ioc, taker(false), asio::detached); // after close: fails at once
    });
    run_all(ioc);
    REQUIRE(results.size() == 4);
    CHECK(!results[0]);
    CHECK(results[1] == engine::errc::cancelled);
    CHECK(results[2] == engine::errc::cancelled);
    CHECK(results[3] == engine::errc::cancelled);
    CHECK(lim.in_flight() == 0);
}
