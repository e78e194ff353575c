// Bounds the HTTP requests one client sends: at most N in flight and at most
// R started per second (fleet mode's --concurrency and --rate). Waiting is a
// queue of timers on the client's executor, served in arrival order; a
// pending enrollment waiting on its poll timer holds no permit.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>

namespace ascep::engine {

class request_limiter {
public:
    /// 0 / 0.0: no limit on that axis.
    request_limiter(boost::asio::any_io_executor ex, unsigned max_in_flight, double per_second);
    request_limiter(const request_limiter&) = delete;
    request_limiter& operator=(const request_limiter&) = delete;

    /// Held while a request is in flight; gives the slot back when destroyed.
    class permit {
    public:
        permit() = default;
        explicit permit(request_limiter* owner) : owner_(owner) {}
        permit(permit&& o) noexcept : owner_(o.owner_) { o.owner_ = nullptr; }
        permit& operator=(permit&& o) noexcept;
        ~permit() { reset(); }
        void reset();

    private:
        request_limiter* owner_ = nullptr;
    };

    /// Waits for a slot, then for the rate. Errors: engine::errc::cancelled
    /// when the awaiting coroutine is cancelled or close() was called.
    /// *this must outlive the call and the permit.
    boost::asio::awaitable<boost::system::result<permit>> async_acquire();

    /// Fails every queued and future acquire with errc::cancelled (shutdown:
    /// start nothing new). Permits already held stay valid.
    void close();

    unsigned in_flight() const noexcept { return in_flight_; }
    std::size_t queued() const noexcept { return waiters_.size(); }

private:
    struct waiter;
    void release() noexcept;

    boost::asio::any_io_executor ex_;
    unsigned max_in_flight_;
    std::chrono::steady_clock::duration interval_{0};
    std::chrono::steady_clock::time_point next_start_{};
    unsigned in_flight_ = 0;
    bool closed_ = false;
    std::deque<std::shared_ptr<waiter>> waiters_;
};

} // namespace ascep::engine
