#include "cli/transient_retry.hpp"

#include "cli/session.hpp"
#include "engine/transient.hpp"
#include "io/duration.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace ascep::cli {
namespace {

namespace asio = boost::asio;

constexpr std::chrono::seconds longest_wait{15};

asio::awaitable<bool> async_wait(std::chrono::seconds d)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    const auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !ec;
}

} // namespace

transient_retry::transient_retry(session& s)
    : s_(s), budget_(s.opts.retry_for.value_or(default_one_shot_retry_for)),
      explicit_budget_(s.opts.retry_for.has_value())
{
}

void transient_retry::answered()
{
    ever_reached_ = true;
    failing_since_.reset();
    step_ = 0;
}

bool transient_retry::again(const std::string& what, const boost::system::error_code& ec, const std::string& text,
                            bool transient)
{
    const bool reached = !engine::never_reached(ec);
    ever_reached_ = ever_reached_ || reached;
    if (!transient || budget_.count() == 0 || (!ever_reached_ && !explicit_budget_))
        return false;
    const auto now = std::chrono::steady_clock::now();
    if (!failing_since_)
        failing_since_ = now;
    const auto wait = std::min(longest_wait, std::chrono::seconds(1LL << std::min(step_, 4u)));
    if (now + wait > *failing_since_ + budget_)
        return false;
    s_.out.warn(what + " failed: " + text + "; asking again in " + std::to_string(wait.count()) + " s (--retry-for " +
                io::describe_duration(budget_) + ")");
    ++step_;
    ++retries_;
    s_.out.json()["retries"] = retries_;
    return s_.run(async_wait(wait));
}

} // namespace ascep::cli
