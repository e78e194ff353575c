// tests/support's background_process: a child that ends by itself is reaped
// once, its exit code kept, and its PID never signalled again (the system
// may have given that PID to another process by then).
#include "background_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using namespace ascep;

namespace {

/// Waits until `p` is no longer running; false after `limit`.
bool wait_ended(const test::background_process& p, std::chrono::seconds limit)
{
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (p.running()) {
        if (std::chrono::steady_clock::now() > give_up)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

} // namespace

TEST_CASE("background_process: running() reaps a child that exited, keeps its code, and nothing signals it after")
{
    const test::temp_dir dir;
    // The child exits 7 at once.
    test::background_process child({"/bin/sh", "-c", "exit 7"}, dir.file("child.log"));
    REQUIRE(wait_ended(child, std::chrono::seconds(30)));
    // Reaped: waitpid knows it no more.
    CHECK(::waitpid(child.pid(), nullptr, WNOHANG) == -1);
    CHECK(child.wait_exit() == 7); // the code running() saw, not a guess
    CHECK(child.wait_exit() == 7);
    CHECK_FALSE(child.running());

    // kill() and signal() on a reaped child do nothing: the code stays.
    CHECK(child.kill(SIGKILL) == 7);
    child.signal(SIGTERM);
    CHECK(child.wait_exit() == 7);
}

TEST_CASE("background_process: kill() signals a running child once and returns how it ended")
{
    const test::temp_dir dir;
    test::background_process child({"/bin/sleep", "60"}, dir.file("sleep.log"));
    CHECK(child.running());
    CHECK(child.kill(SIGTERM) == 128 + SIGTERM);
    CHECK_FALSE(child.running());
    CHECK(child.wait_exit() == 128 + SIGTERM);
}
