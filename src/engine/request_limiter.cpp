#include "engine/request_limiter.hpp"

#include "engine/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace ascep::engine {

namespace asio = boost::asio;

struct request_limiter::waiter {
    explicit waiter(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    /// Set by release() when it hands this waiter the freed slot; a wake-up
    /// without it is a cancellation.
    bool granted = false;
};

request_limiter::permit& request_limiter::permit::operator=(permit&& o) noexcept
{
    if (this != &o) {
        reset();
        owner_ = o.owner_;
        o.owner_ = nullptr;
    }
    return *this;
}

void request_limiter::permit::reset()
{
    if (owner_ != nullptr)
        std::exchange(owner_, nullptr)->release();
}

request_limiter::request_limiter(asio::any_io_executor ex, unsigned max_in_flight, double per_second)
    : ex_(std::move(ex)), max_in_flight_(max_in_flight)
{
    if (per_second > 0)
        interval_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(1.0 / per_second));
}

void request_limiter::release() noexcept
{
    // Hand the slot straight to the first waiter, so that a newcomer cannot
    // overtake the queue between release and wake-up.
    while (!waiters_.empty()) {
        auto w = std::move(waiters_.front());
        waiters_.pop_front();
        w->granted = true;
        w->timer.cancel();
        return;
    }
    --in_flight_;
}

void request_limiter::close()
{
    closed_ = true;
    for (auto& w : waiters_)
        w->timer.cancel(); // not granted: they fail
    waiters_.clear();
}

asio::awaitable<boost::system::result<request_limiter::permit>> request_limiter::async_acquire()
{
    if (closed_)
        co_return errc::cancelled;
    if (max_in_flight_ == 0 || (in_flight_ < max_in_flight_ && waiters_.empty())) {
        ++in_flight_;
    } else {
        auto w = std::make_shared<waiter>(ex_);
        waiters_.push_back(w);
        const auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;
        if (!w->granted) {
            // Cancelled from outside (or close()): leave the queue.
            const auto it = std::find(waiters_.begin(), waiters_.end(), w);
            if (it != waiters_.end())
                waiters_.erase(it);
            co_return errc::cancelled;
        }
    }
    permit held(this);
    if (interval_.count() > 0) {
        const auto now = std::chrono::steady_clock::now();
        const auto start = std::max(now, next_start_);
        next_start_ = start + interval_;
        if (start > now) {
            asio::steady_timer timer(ex_, start);
            const auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec || closed_)
                co_return errc::cancelled; // `held` gives the slot back
        }
    }
    co_return std::move(held);
}

} // namespace ascep::engine
