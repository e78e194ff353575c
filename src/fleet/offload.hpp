// Runs a blocking function (RSA key generation, fsync'd writes) on a thread
// pool and resumes the awaiting coroutine on its own executor, so the event
// loop never blocks. Asio 1.81 has no such helper; async_initiate gives the
// completion handler, and with it the coroutine's executor to come back to.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <type_traits>
#include <utility>

namespace ascep::fleet {

/// co_await async_offload(where, fn): fn() runs on `where` (a thread pool,
/// or a strand of one to keep tasks in order); its value is returned on the
/// caller's executor. fn must not throw (return errors as values); its result
/// type must be movable. `where` must outlive the call; fn is moved into the
/// task. Pass fn as a named variable (std::move(fn)), never as a lambda
/// temporary: g++ 12 double-frees those inside a co_await expression.
template <typename Where, typename Fn>
auto async_offload(Where& where, Fn fn)
{
    using result_type = std::invoke_result_t<Fn&>;
    auto initiate = [&where](auto handler, Fn f) {
        auto back_to = boost::asio::get_associated_executor(handler);
        // The caller's io_context has nothing else to do while we compute:
        // keep it from returning from run().
        auto work = boost::asio::make_work_guard(back_to);
        boost::asio::post(where, [h = std::move(handler), f = std::move(f), work = std::move(work)]() mutable {
            result_type value = f();
            auto ex = work.get_executor();
            boost::asio::post(ex, [h = std::move(h), value = std::move(value), work = std::move(work)]() mutable {
                std::move(h)(std::move(value));
            });
        });
    };
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(result_type)>(
        std::move(initiate), boost::asio::use_awaitable, std::move(fn));
}

} // namespace ascep::fleet
