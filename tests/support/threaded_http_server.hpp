// A test_http_server on its own thread, so that a program the test runs (the
// ascep binary) can talk to it while the test waits for that program.
#pragma once

#include "test_http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <thread>

namespace ascep::test {

struct threaded_http_server {
    explicit threaded_http_server(http_server_options opts = {})
        : server(ioc, std::move(opts)), work(ioc.get_executor()),
          thread([this] { ioc.run_for(std::chrono::seconds(120)); })
    {
    }
    ~threaded_http_server()
    {
        work.reset();
        ioc.stop();
        thread.join();
    }
    threaded_http_server(const threaded_http_server&) = delete;
    threaded_http_server& operator=(const threaded_http_server&) = delete;

    boost::asio::io_context ioc;
    test_http_server server;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
    std::thread thread;
};

} // namespace ascep::test
