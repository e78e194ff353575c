// `ascep fleet` (or any program printing --jsonl lines) on a thread, its
// "issued" events counted as they arrive, so that a test can do something
// to the CA once the run is under way (kill it, stop it) and then wait for
// the run's end. Header-only.
#pragma once

#include "run_process.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ascep::test {

/// `ascep fleet` on a thread, its --jsonl lines counted as they arrive, so
/// the test can do something to the CA once the run is under way.
class fleet_in_background {
public:
    explicit fleet_in_background(std::vector<std::string> argv)
        : thread_([this, argv = std::move(argv)] {
              auto r = run_process(argv, [this](const std::string& line) {
                  if (line.find("\"event\":\"issued\"") == std::string::npos)
                      return;
                  const std::lock_guard<std::mutex> lock(mutex_);
                  ++issued_;
                  changed_.notify_all();
              });
              const std::lock_guard<std::mutex> lock(mutex_);
              result_ = std::move(r);
              done_ = true;
              changed_.notify_all();
          })
    {
    }
    ~fleet_in_background()
    {
        if (thread_.joinable())
            thread_.join();
    }

    /// Waits until `n` devices were issued (true) or the run ended (false).
    bool wait_issued(std::size_t n)
    {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return issued_ >= n || done_; });
        return issued_ >= n;
    }

    process_result finish()
    {
        thread_.join();
        return result_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t issued_ = 0;
    bool done_ = false;
    process_result result_;
    std::thread thread_;
};

} // namespace ascep::test
