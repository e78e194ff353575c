// The test CA's HTTP/1.1 server on Beast: one io_context, one coroutine per
// connection, keep-alive, bounded requests. All request handling is in
// service; this file only moves bytes.
#pragma once

#include "testca/service.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <ostream>

namespace ascep::testca {

struct server_limits {
    /// Largest request body; larger ones get 413 and the connection is closed.
    std::size_t max_body = 1024 * 1024;
    std::size_t max_header = 16 * 1024;
    /// A connection idle (or trickling a request) this long is closed.
    std::chrono::seconds idle{30};
};

/// Accepts connections on `acceptor` until it is closed, serving each with
/// `svc`; writes one line per request to `log`. `acceptor`, `svc` and `log`
/// must outlive the returned awaitable and every connection it spawns
/// (connections end when the io_context stops).
boost::asio::awaitable<void> async_serve(boost::asio::ip::tcp::acceptor& acceptor, service& svc, std::ostream& log,
                                         server_limits limits = {});

} // namespace ascep::testca
