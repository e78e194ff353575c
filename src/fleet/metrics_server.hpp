// --metrics-listen ADDRESS:PORT: the fleet run's metrics served over HTTP
// (GET /metrics) on the run's own io_context, through Beast, with no thread
// of its own. Only this header's users see it; Beast stays in the .cpp.
#pragma once

#include "fleet/listen_address.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace ascep::fleet {

class metrics_server {
public:
    /// Listens on `where` and serves `render()` (called on the loop, once per
    /// scrape) as text/plain; version=0.0.4 at GET /metrics (and /); any other
    /// path is 404, any other method 405. nullptr and `error` when it cannot listen. `ioc` and
    /// `render`'s captures must outlive the server.
    static std::unique_ptr<metrics_server> start(boost::asio::io_context& ioc, const listen_address& where,
                                                 std::function<std::string()> render, std::string& error);
    ~metrics_server();

    /// The port listened on (the one chosen when 0 was asked for).
    std::uint16_t port() const;
    /// Scrapes served so far.
    std::uint64_t scrapes() const;
    /// Calls `then` (on the loop) once the next scrape has been served, or
    /// after `limit`, whichever comes first: the end of a run waits for its
    /// final figures to be collected.
    void after_next_scrape(std::chrono::milliseconds limit, std::function<void()> then);
    /// Closes the listening socket and every connection; nothing pending
    /// is left on the io_context.
    void stop();

    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    struct impl;

private:
    explicit metrics_server(std::shared_ptr<impl> p);
    std::shared_ptr<impl> impl_;
};

} // namespace ascep::fleet
